import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../server/engine/images.js';
import { loadNetwork, type Network } from '../../server/engine/network/network.js';
import { TfjsExecutor } from '../../server/engine/executors/tfjs.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
export const IMAGES = resolve(SHARED, 'images');
export const MODEL_DIR = resolve(SHARED, 'models', 'googlenet-bvlc');

/** The 224x224 copy of a shared photo as network input (PROVENANCE.md verified predictions on these). */
export const image224 = (name: string) => decodeImage(readFileSync(resolve(IMAGES, '224', `${name}.png`))).pixels;

let network: Network | undefined;
export const sharedNetwork = () => (network ??= loadNetwork(MODEL_DIR));

let wasm: Promise<TfjsExecutor> | undefined;
export const wasmExecutor = () => (wasm ??= TfjsExecutor.create(sharedNetwork(), 'wasm'));

export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

export function softmax(logits: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(logits));
  const e = Array.from(logits, (l) => Math.exp(l - max));
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((x) => x / s);
}

export const CLASS = { pekinese: 154, labrador: 208, tigerCat: 282, egyptianCat: 285, lemon: 951, orange: 950 } as const;
