import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { isEngineError } from '../errors/engine-error.js';
import { ATTRIBUTION_LAYERS } from '../engine/network/network.js';
import { DEFAULT_BATCH, DEFAULT_SEED, DEFAULT_SIZE, DEFAULT_STEPS, resolveSettings, runSpritemap } from '../spritemaps/spritemap-job.js';
import { modelFilesRoot, SpriteStore } from '../spritemaps/sprite-store.js';
import { dataDirFromEnv, runsInCi } from '../settings.js';
import { startCliEngine } from './start-cli-engine.js';

const integer = (v: string) => {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`"${v}" is not a whole number.`);
  return Number(v);
};

/** "0-15", "3,7,10-12" -> channel list. */
export function parseChannels(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new InvalidArgumentError(`"${part}" is not a channel or a range like 0-15.`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new InvalidArgumentError(`range ${part} runs backwards.`);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

const program = new Command()
  .name('spritemaps')
  .description(
    'Render channel visualizations of a layer into a spritemap (grid PNG + JSON index) under DATA_DIR/spritemaps. Resumable: rerun to continue.',
  )
  .option('--layer <name>', "layer: mixed3a..mixed5b, or an imported model's module path or tensor name", 'mixed4d')
  .option('--size <px>', 'sprite side in px (even)', integer, DEFAULT_SIZE)
  .option('--steps <n>', 'optimization steps per channel', integer, DEFAULT_STEPS)
  .option('--channels <list>', 'channels, e.g. 0-15 or 3,7,10-12 (default: all)', parseChannels)
  .option('--columns <n>', 'grid columns (default: ceil(sqrt(channels in the layer)))', integer)
  .option('--seed <n>', 'seed of the start images and transforms', integer, DEFAULT_SEED)
  .option('--batch <n>', 'channels optimized together', integer, DEFAULT_BATCH)
  .option('--backend <name>', 'tfjs | onnx | auto (default: ENGINE_BACKEND, else auto)')
  .option('--json', 'print the index as JSON on stdout')
  .option(
    '--model <path>',
    'an ONNX image classifier (folder or .onnx file, docs/models.md) instead of the built-in GoogLeNet; its spritemaps go under DATA_DIR/model-data/<name>-<hash>/, where the server finds them',
  )
  .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });

async function main() {
  program.parse();
  const o = program.opts();
  // Fail before the engine starts (seconds) on what needs no model; an imported model's layers and channels are checked after.
  if (!o.model) {
    resolveSettings(
      { layer: o.layer, size: o.size, steps: o.steps, seed: o.seed, batch: o.batch, columns: o.columns, channels: [0] },
      ATTRIBUTION_LAYERS.map((name) => ({ name, caffe: name, channels: 1, height: 1, width: 1 })),
    );
  }
  // --size here is the sprites' size, not the model's input: no preprocessing overrides.
  const { pool } = await startCliEngine({ backend: o.backend, model: o.model });
  // An imported model's sprites live where the API keeps them, apart from the built-in model's.
  const store = new SpriteStore(modelFilesRoot(dataDirFromEnv(), pool.info));
  const ctl = new AbortController();
  const onSigint = () => ctl.abort();
  process.once('SIGINT', onSigint);
  const bar =
    o.json || (!process.stderr.isTTY && runsInCi())
      ? undefined
      : new cliProgress.SingleBar(
          { format: ` ${o.layer} {bar} {value}/{total} channels | ETA {eta_text}`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
  let done = 0;
  try {
    const settings = {
      layer: o.layer,
      size: o.size,
      steps: o.steps,
      seed: o.seed,
      channels: o.channels,
      columns: o.columns,
      batch: o.batch,
    };
    const index = await runSpritemap(pool, settings, pool.info.layers, {
      store,
      signal: ctl.signal,
      onProgress: (p) => {
        done = p.done;
        const eta =
          p.etaSeconds === null
            ? 'measuring'
            : p.etaSeconds > 3600
              ? `${(p.etaSeconds / 3600).toFixed(1)} h`
              : `${Math.round(p.etaSeconds / 60)} min`;
        if (p.latest.length === 0 && !bar?.isActive) bar?.start(p.total, p.done, { eta_text: eta });
        else bar?.update(p.done, { eta_text: eta });
      },
    });
    bar?.stop();

    if (o.json) process.stdout.write(JSON.stringify(index) + '\n');
    else
      process.stdout.write(
        `${index.layer}: ${index.cells.length}/${index.channels} channels, ${index.columns}x${index.rows} grid of ${index.size} px -> ${store.spritemapPath(index, 'png')} (+ .json)\n`,
      );
  } catch (e) {
    bar?.stop();
    if (isEngineError(e) && e.code === 'CANCELLED') {
      process.stderr.write(`interrupted: ${done} sprites are saved; run the same command again to continue.\n`);
      process.exitCode = 130;
      return;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    await pool.close();
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${isEngineError(e) ? e.message : ((e as Error)?.message ?? e)}\n`);
  process.exit(isEngineError(e) ? 2 : 1);
});
