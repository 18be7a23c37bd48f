import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import p from 'onnx-proto';
import { GraphBuilder } from './graph-builder.js';
import { sinkNchwcReorders } from './nchwc-sinking.js';

const { onnx } = p;

const probes = new WeakMap<object, Promise<number>>();

/**
 * The channel block of ORT's NCHWc layout on this CPU (MLAS picks 16 with AVX-512, 8 with AVX2),
 * or 0 where ORT does not use NCHWc. Found by asking ORT: a converted conv with fewer input
 * channels than the block reads its NCHW input directly, one with more through a ReorderInput,
 * so a model of 1x1 convs with 4..64 input channels, optimized and read back, shows the block.
 * Once per process.
 */
export function nchwcBlockSize(ort: typeof Ort): Promise<number> {
  let found = probes.get(ort);
  if (!found) {
    found = probe(ort).catch(() => 0);
    probes.set(ort, found);
  }
  return found;
}

const PROBE_CHANNELS = [4, 8, 16, 32, 64];

async function probe(ort: typeof Ort): Promise<number> {
  const b = new GraphBuilder('nchwc_probe');
  for (const c of PROBE_CHANNELS) {
    const x = b.input(`x${c}`, [1, c, 4, 4]);
    const w = b.floats(`w${c}`, new Float32Array(16 * c).fill(1 / c), [16, c, 1, 1]);
    b.output(b.op1('Conv', [x, w], { kernel_shape: [1, 1] }, `y${c}`), [1, 16, 4, 4]);
  }
  const dir = mkdtempSync(join(tmpdir(), 'nchwc-probe-'));
  try {
    const file = join(dir, 'probe.onnx');
    const session = await ort.InferenceSession.create(b.toBytes(), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: file,
      logSeverityLevel: 4,
    });
    await session.release();
    const nodes = onnx.ModelProto.decode(readFileSync(file)).graph?.node ?? [];
    // ORT names a converted conv after its output (y8 -> y8_nchwc); its first input is the graph
    // input itself when read directly.
    const reordered = PROBE_CHANNELS.filter((c) => {
      const conv = nodes.find((n) => n.domain === 'com.microsoft.nchwc' && n.name === `y${c}_nchwc`);
      return conv !== undefined && conv.input?.[0] !== `x${c}`;
    });
    return reordered.length ? Math.min(...reordered) : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sample inputs for a session: float tensors, a dynamic dimension as 2; undefined if an input is not a float tensor. */
export function sampleFeeds(ort: typeof Ort, session: Ort.InferenceSession): Record<string, Ort.Tensor> | undefined {
  const feeds: Record<string, Ort.Tensor> = {};
  let seed = 12345;
  for (const v of session.inputMetadata) {
    if (!v.isTensor || v.type !== 'float32') return undefined;
    const dims = v.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 2));
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      // Some exact zeros and ties, as ReLUs and max pools meet them.
      const u = seed / 2 ** 32;
      data[i] = u < 0.2 ? 0 : u < 0.3 ? 1 : u * 2 - 0.6;
    }
    feeds[v.name] = new ort.Tensor('float32', data, dims);
  }
  return feeds;
}

/** Whether two sessions give the same outputs, bit for bit, on the same inputs. */
export async function sameOutputs(a: Ort.InferenceSession, b: Ort.InferenceSession, feeds: Record<string, Ort.Tensor>): Promise<boolean> {
  const [x, y] = [await a.run(feeds), await b.run(feeds)];
  for (const name of a.outputNames) {
    const u = x[name]?.data as Float32Array | undefined;
    const v = y[name]?.data as Float32Array | undefined;
    if (!u || !v || u.length !== v.length) return false;
    const ub = new Uint32Array(u.buffer, u.byteOffset, u.length);
    const vb = new Uint32Array(v.buffer, v.byteOffset, v.length);
    for (let i = 0; i < ub.length; i++) if (ub[i] !== vb[i]) return false;
  }
  return true;
}

export { sinkNchwcReorders };
