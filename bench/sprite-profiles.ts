import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { PNG } from 'pngjs';
import { toNetworkInput } from '../server/engine/images.js';
import { OnnxInputGradients } from '../server/engine/feature-vis/input-gradients/onnx-input-gradients.js';
import { FULL_PROFILE, THUMBNAIL_PROFILE, type SpriteProfile } from '../server/engine/feature-vis/profiles.js';
import { renderChannels, type RenderedSprite } from '../server/engine/feature-vis/render.js';
import { loadNetwork } from '../server/engine/network/network.js';

/**
 * What does the thumbnail profile give up? The 20 channels of the dog/cat job (mixed4d,
 * "Labrador retriever" vs "tiger cat", 100-step PATH: the README's top and bottom 10) rendered
 * in both profiles with the same seed. Per channel: the objective each reaches (the channel's
 * pre-ReLU mean on the finished sprite at its own size) and, as the network would see them side
 * by side, both evaluated at 96 px (the thumbnail upscaled, linear filter). Writes the side-by-
 * side picture to docs/sprite-profiles.png (rows: full top 10, thumbnail top 10, full bottom 10,
 * thumbnail bottom 10). `npx tsx bench/sprite-profiles.ts [--out docs/sprite-profiles.png]`.
 */
const LAYER = 'mixed4d';
const TOP = [73, 520, 317, 12, 81, 372, 108, 512, 367, 9];
const BOTTOM = [524, 6, 281, 471, 190, 497, 47, 74, 75, 68];
const channels = [...TOP, ...BOTTOM];
const args = process.argv.slice(2);
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'docs/sprite-profiles.png';
const engine = await OnnxInputGradients.create(loadNetwork(), { threads: cpus().length });

async function render(profile: SpriteProfile) {
  const t = performance.now();
  const sprites: RenderedSprite[] = [];
  for (let i = 0; i < channels.length; i += profile.batch) {
    sprites.push(
      ...(await renderChannels(engine, {
        layer: LAYER,
        channels: channels.slice(i, i + profile.batch),
        size: profile.size,
        steps: profile.steps,
        seed: 0,
      })),
    );
  }
  return { sprites, seconds: (performance.now() - t) / 1000 };
}

const rgba = (s: RenderedSprite) => {
  const data = new Uint8Array(s.size * s.size * 4);
  for (let p = 0; p < s.size * s.size; p++) data.set([s.rgb[p * 3], s.rgb[p * 3 + 1], s.rgb[p * 3 + 2], 255], p * 4);
  return { width: s.size, height: s.size, data };
};
const at96 = (s: RenderedSprite) => toNetworkInput(rgba(s), FULL_PROFILE.size);

const full = await render(FULL_PROFILE);
const thumb = await render(THUMBNAIL_PROFILE);
const objective96 = async (images: Float32Array[]) => {
  const batch = new Float32Array(images.length * images[0].length);
  images.forEach((img, i) => batch.set(img, i * img.length));
  return (await engine.channelGradients(LAYER, FULL_PROFILE.size, batch, channels)).objectives;
};
const fullAt96 = await objective96(full.sprites.map(at96));
const thumbAt96 = await objective96(thumb.sprites.map(at96));

console.log(
  `${LAYER}, 20 channels, seed 0, ${cpus().length} cores (shared): full ${FULL_PROFILE.size} px / ${FULL_PROFILE.steps} steps / batch ${FULL_PROFILE.batch} took ${full.seconds.toFixed(0)} s; thumbnail ${THUMBNAIL_PROFILE.size} px / ${THUMBNAIL_PROFILE.steps} steps / batch ${THUMBNAIL_PROFILE.batch} took ${thumb.seconds.toFixed(0)} s`,
);
console.log('| channel | full objective | thumbnail objective | ratio | full at 96 px | thumbnail at 96 px | ratio at 96 px |');
console.log('|---|---|---|---|---|---|---|');
const ratios: number[] = [];
const ratios96: number[] = [];
channels.forEach((c, i) => {
  const f = full.sprites[i].objectiveValue,
    t = thumb.sprites[i].objectiveValue;
  ratios.push(t / f);
  ratios96.push(thumbAt96[i] / fullAt96[i]);
  console.log(
    `| ${c} | ${f.toFixed(1)} | ${t.toFixed(1)} | ${(t / f).toFixed(2)} | ${fullAt96[i].toFixed(1)} | ${thumbAt96[i].toFixed(1)} | ${(thumbAt96[i] / fullAt96[i]).toFixed(2)} |`,
  );
});
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(
  `thumbnail / full objective: mean ${mean(ratios).toFixed(2)}, median ${median(ratios).toFixed(2)}, min ${Math.min(...ratios).toFixed(2)}; at 96 px: mean ${mean(ratios96).toFixed(2)}, median ${median(ratios96).toFixed(2)}, min ${Math.min(...ratios96).toFixed(2)}`,
);

// Side by side, every sprite at 96 px cells (the thumbnail upscaled as the dashboard shows it).
const cell = FULL_PROFILE.size;
const gap = 4;
const cols = 10;
const png = new PNG({ width: cols * (cell + gap) + gap, height: 4 * (cell + gap) + gap });
png.data.fill(255);
const place = (img: Float32Array, col: number, row: number) => {
  for (let y = 0; y < cell; y++) {
    for (let x = 0; x < cell; x++) {
      const o = ((gap + row * (cell + gap) + y) * png.width + gap + col * (cell + gap) + x) * 4;
      const s = (y * cell + x) * 3;
      png.data[o] = Math.round(img[s]);
      png.data[o + 1] = Math.round(img[s + 1]);
      png.data[o + 2] = Math.round(img[s + 2]);
    }
  }
};
channels.forEach((_, i) => {
  const block = i < 10 ? 0 : 2;
  place(at96(full.sprites[i]), i % 10, block);
  place(at96(thumb.sprites[i]), i % 10, block + 1);
});
writeFileSync(out, PNG.sync.write(png));
console.log(`wrote ${out}`);
await engine.dispose();
