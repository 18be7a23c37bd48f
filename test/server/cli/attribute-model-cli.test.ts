import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, relativeL2 } from '../../helpers/fixtures.js';
import { FIXTURES_DIR, loadReferences } from '../engine/onnx-import/pytorch-fixtures.js';

const run = promisify(execFile);
const TSX = resolve(REPO_ROOT, 'node_modules/.bin/tsx');
const CLI = resolve(REPO_ROOT, 'server/cli/attribute.ts');

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CI: 'true', ENGINE_CACHE_DIR: 'off', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
  }
}

const squeezenet = loadReferences().find((r) => r.fixture === 'squeezenet')!;
const model = resolve(FIXTURES_DIR, squeezenet.model);
const image = resolve(REPO_ROOT, squeezenet.image);
const work = mkdtempSync(join(tmpdir(), 'model-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run attribute -- --model', () => {
  it('--list-layers prints the block outputs with channels, grid and tensor', async () => {
    const r = await cli(['--model', model, '--list-layers']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^squeezenet \(.*squeezenet\): 112x112 RGB input, 10 classes/);
    expect(r.stdout).toMatch(/\n {2}features\.4 +16 +27x27 +\/features\/features\.4\/Concat_output_0\n/);
  });

  it('--json values equal PyTorch autograd, by module path and by tensor name', async () => {
    const layer = squeezenet.layers[0];
    for (const name of [layer.module, layer.tensor]) {
      const r = await cli([
        '--model',
        model,
        '--image',
        image,
        '--layer',
        name,
        '--class1',
        squeezenet.class1.arg,
        '--class2',
        squeezenet.class2.arg,
        '--method',
        'simple',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.layer).toBe(layer.module);
      expect(relativeL2(out.values, layer.simple)).toBeLessThan(1e-4);
    }
  });

  it('says on stderr which defaults it took', async () => {
    const bare = join(work, 'bare.onnx');
    writeFileSync(bare, readFileSync(join(model, 'model.onnx')));
    const r = await cli(['--model', bare, '--list-layers']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("no preprocessor_config.json: using torchvision's ImageNet preprocessing");
    expect(r.stderr).toContain('the 10 logits are called "class 0" to "class 9"');
  });

  it('a bad model, a bypassed layer and an unknown layer are each one line on stderr and a non-zero exit', async () => {
    const broken = join(work, 'broken');
    rmSync(broken, { recursive: true, force: true });
    const cases: [string[], RegExp][] = [
      [['--model', join(work, 'missing'), '--list-layers'], /^error: No model at .*missing/],
      [
        ['--model', model, '--image', image, '--layer', '/features/features.3/expand1x1_activation/Relu_output_0'],
        /^error: Layer .* is bypassed by a skip connection or a parallel branch: node \/features\/features\.3\/expand3x3\/Conv/,
      ],
      [['--model', model, '--image', image, '--layer', 'features.33'], /^error: Unknown layer "features\.33"\. Closest: features\.3/],
      [['--image', image, '--mean', '0,0,0'], /apply to an imported model: give --model too/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
