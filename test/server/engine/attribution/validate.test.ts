import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOP_K, validateInput } from '../../../../server/engine/attribution/validate.js';
import { Labels } from '../../../../server/engine/labels.js';
import type { LayerInfo } from '../../../../server/engine/layer-info.js';
import { MODEL_DIR } from '../../../helpers/fixtures.js';

const labels = Labels.parse(readFileSync(resolve(MODEL_DIR, 'labels.txt'), 'utf8'));
const layer = (name: string, channels: number): LayerInfo => ({ name, caffe: name, channels, height: 7, width: 7 });
const layers = [layer('narrow', 8), layer('wide', 64)];
const input = (layerName: string, topK?: number) => ({ layer: layerName, class1: '208', class2: '282', method: 'SIMPLE' as const, topK });

describe('validateInput: the top/bottom list length', () => {
  it(`defaults to ${DEFAULT_TOP_K}, or to every channel of a narrower layer (an imported model's may have 8)`, () => {
    expect(validateInput(input('wide'), { labels, layers }).topK).toBe(DEFAULT_TOP_K);
    expect(validateInput(input('narrow'), { labels, layers }).topK).toBe(8);
  });

  it('refuses an explicit length over the channel count', () => {
    expect(() => validateInput(input('narrow', 9), { labels, layers })).toThrow(/topK must be a whole number from 1 to 8, got 9/);
  });
});
