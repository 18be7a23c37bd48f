import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFetchError } from '../errors/model-fetch-error.js';
import { TfjsExecutor } from '../engine/executors/tfjs.js';
import { decodeImage } from '../engine/images.js';
import { Labels } from '../engine/labels.js';
import { describeNetwork } from '../engine/network/network.js';
import { softmax } from '../engine/predictions.js';
import { BVLC_GOOGLENET_WEIGHTS_SHA256, readModelFiles } from '../engine/network/model-source.js';
import type { CaffejsManifest, ReferencePrediction } from './caffejs-manifest.js';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/**
 * PROVENANCE.md prints percentages to 0.1; allow its rounding plus a little for float summation
 * order (its numbers came from another TensorFlow.js backend).
 */
export const PERCENT_TOLERANCE = 0.1;

/**
 * Checks a converted folder byte by byte against PROVENANCE.md (through the manifest), then
 * loads it with the engine's own reader, which recomputes BVLC_GOOGLENET_WEIGHTS_SHA256.
 * model.json differs from the shared copy only in `convertedBy` (it names this converter), so
 * it is compared with that field set back to the shared copy's value.
 */
export function verifyModelFolder(dir: string, manifest: CaffejsManifest): { weightsSha256: string } {
  for (const expected of manifest.output.files) {
    const path = join(dir, expected.name);
    if (!existsSync(path)) throw new ModelFetchError('VERIFICATION_FAILED', `The converted model lacks ${expected.name}.`);
    const bytes = readFileSync(path);
    let actual = bytes;
    if (expected.name === 'model.json') {
      const json = JSON.parse(bytes.toString('utf8'));
      actual = Buffer.from(JSON.stringify({ ...json, convertedBy: manifest.output.referenceConvertedBy }), 'utf8');
    }
    if (actual.byteLength !== expected.bytes || sha256(actual) !== expected.sha256) {
      throw new ModelFetchError(
        'VERIFICATION_FAILED',
        `The converted ${expected.name} is not the verified one (${actual.byteLength} bytes, sha256 ${sha256(actual)}; PROVENANCE.md says ${expected.bytes} bytes, ${expected.sha256}).`,
      );
    }
  }
  const files = readModelFiles(dir);
  if (files.weightsSha256 !== BVLC_GOOGLENET_WEIGHTS_SHA256) {
    throw new ModelFetchError(
      'VERIFICATION_FAILED',
      `The converted weights hash to ${files.weightsSha256}, not BVLC GoogLeNet's ${BVLC_GOOGLENET_WEIGHTS_SHA256}.`,
    );
  }
  return { weightsSha256: files.weightsSha256 };
}

export interface PredictionCheck {
  image: string;
  expected: ReferencePrediction['top'];
  actual: { label: string; percent: number }[];
}

/**
 * Runs the engine (the TensorFlow.js executor) on PROVENANCE.md's images and compares the
 * leading predictions, in order, with its table. Images it cannot find are skipped: a fresh
 * machine has no ../shared, and there the byte checks above already pin the weights.
 */
export async function verifyPredictions(
  dir: string,
  manifest: CaffejsManifest,
  imagesDir: string,
  only?: string[],
): Promise<PredictionCheck[]> {
  const refs = manifest.referencePredictions.filter(
    (r) => (!only || only.includes(r.image.replace(/\.\w+$/, ''))) && existsSync(join(imagesDir, r.image)),
  );
  if (refs.length === 0) return [];
  const files = readModelFiles(dir);
  const labels = Labels.parse(files.labelsText, 1000);
  // wasm is always installed (a dependency, no native build), so the check runs everywhere.
  const executor = await TfjsExecutor.create(describeNetwork(files), 'wasm');
  try {
    const checks: PredictionCheck[] = [];
    for (const ref of refs) {
      const { pixels } = decodeImage(readFileSync(join(imagesDir, ref.image)));
      const probs = softmax(await executor.imageLogits(pixels));
      const order = [...probs.keys()].sort((a, b) => probs[b] - probs[a]).slice(0, 5);
      const actual = order.map((i) => ({ label: labels.classes[i].name, percent: 100 * probs[i] }));
      checks.push({ image: ref.image, expected: ref.top, actual });
      ref.top.forEach((e, rank) => {
        const a = actual[rank];
        if (a.label !== e.label || (e.percent !== null && Math.abs(a.percent - e.percent) > PERCENT_TOLERANCE)) {
          throw new ModelFetchError(
            'VERIFICATION_FAILED',
            `The converted model predicts ${a.label} ${a.percent.toFixed(1)}% at rank ${rank + 1} for ${ref.image}; PROVENANCE.md says ${e.label}${e.percent === null ? '' : ` ${e.percent.toFixed(1)}%`}.`,
          );
        }
      });
    }
    return checks;
  } finally {
    executor.dispose();
  }
}
