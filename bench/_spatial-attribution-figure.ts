import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { createExecutor } from '../server/engine/executors/index.js';
import { layerToLayerAttribution, validateLayerToLayer } from '../server/engine/building-blocks/layer-to-layer-attribution.js';
import { decodeImage } from '../server/engine/images.js';
import { loadNetwork } from '../server/engine/network/network.js';

/**
 * docs/layer-to-layer.png: layer-to-layer spatial attribution mixed4d <- mixed5a on dog/cat at a
 * few target positions. Top row: the image with the mixed5a target cell outlined; bottom row: the
 * mixed4d map of that target over the image (blue positive, red negative, opacity |value| / the
 * map's own max|value|). Not a benchmark (bench/index.ts skips `_` files):
 * `npx tsx bench/_spatial-attribution-figure.ts [image] [x,y ...]`.
 */
const here = fileURLToPath(import.meta.url);
const [imageName = 'dog_cat_composite', ...targetArgs] = process.argv.slice(2);
const targets = (targetArgs.length ? targetArgs : ['1,2', '2,4', '4,4', '5,2']).map((t) => {
  const [x, y] = t.split(',').map(Number);
  return { x, y };
});
const FROM = 'mixed4d',
  TO = 'mixed5a',
  SIZE = 224,
  GAP = 6;
const POSITIVE = [33, 102, 172],
  NEGATIVE = [178, 24, 43],
  OUTLINE = [255, 140, 0];

const network = loadNetwork();
const executor = await createExecutor(network);
const { pixels } = decodeImage(new Uint8Array(readFileSync(resolve(here, `../../../shared/images/${imageName}.png`))), SIZE);
const acts = await executor.activations(pixels, FROM);
const result = await layerToLayerAttribution(executor, acts, validateLayerToLayer(network.layers, FROM, TO, targets));
executor.dispose();

const png = new PNG({ width: targets.length * (SIZE + GAP) - GAP, height: 2 * SIZE + GAP });
png.data.fill(255);
const put = (x: number, y: number, rgb: number[]) => {
  const o = (y * png.width + x) * 4;
  png.data[o] = rgb[0];
  png.data[o + 1] = rgb[1];
  png.data[o + 2] = rgb[2];
  png.data[o + 3] = 255;
};
const imageAt = (i: number, j: number, k: number) => pixels[(i * SIZE + j) * 3 + k];
result.maps.forEach((m, col) => {
  const left = col * (SIZE + GAP);
  const max = Math.max(...m.values.map(Math.abs), 1e-12);
  const cell2 = SIZE / result.toWidth,
    cell1 = SIZE / result.fromWidth;
  for (let i = 0; i < SIZE; i++) {
    for (let j = 0; j < SIZE; j++) {
      const rgb = [0, 1, 2].map((k) => imageAt(i, j, k));
      // Top: the image, the target cell outlined 2 px wide.
      const inCell = Math.floor(j / cell2) === m.x && Math.floor(i / cell2) === m.y;
      const edge = inCell && (j % cell2 < 2 || j % cell2 >= cell2 - 2 || i % cell2 < 2 || i % cell2 >= cell2 - 2);
      put(left + j, i, edge ? OUTLINE : rgb.map((v) => (inCell ? v : 0.55 * v + 0.45 * 255)));
      // Bottom: the map over a faded image.
      const v = m.values[Math.floor(i / cell1) * result.fromWidth + Math.floor(j / cell1)];
      const a = Math.min(1, Math.abs(v) / max);
      const tint = v >= 0 ? POSITIVE : NEGATIVE;
      put(
        left + j,
        SIZE + GAP + i,
        rgb.map((c, k) => (1 - a) * (0.35 * c + 0.65 * 255) + a * tint[k]),
      );
    }
  }
});
const out = resolve(here, '../../docs/layer-to-layer.png');
writeFileSync(out, PNG.sync.write(png));
console.log(`wrote ${out}: ${imageName}, ${FROM} <- ${TO} at ${targets.map((t) => `(${t.x}, ${t.y})`).join(' ')}`);
for (const m of result.maps) {
  const pos = m.values.filter((v) => v > 0).reduce((s, v) => s + v, 0),
    neg = m.values.filter((v) => v < 0).reduce((s, v) => s + v, 0);
  console.log(`  target (${m.x}, ${m.y}): magnitude ${m.magnitude.toFixed(1)}, map sum +${pos.toFixed(1)} / ${neg.toFixed(1)}`);
}
