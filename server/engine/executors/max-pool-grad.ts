/**
 * Gradient of a max-pool for NHWC data, routed to the first maximum of each window in row-major
 * order, as TensorFlow's CPU MaxPoolGrad and ONNX Runtime's MaxPool indices do. The tfjs wasm
 * kernel (4.22) sends ties to the last maximum and drops windows whose maximum is <= 0;
 * an equality mask would double-count ties, which are everywhere at alpha = 0.
 * Plain loops: 10 images of mixed4d's pools take ~tens of ms, far less than composing it from tf ops.
 */
export interface PoolGeometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  kernel: [number, number];
  strides: [number, number];
  padding: 'SAME' | 'VALID';
}

export function poolOutputSize(g: PoolGeometry) {
  const {
    height: H,
    width: W,
    kernel: [kh, kw],
    strides: [sh, sw],
    padding,
  } = g;
  const Ho = padding === 'SAME' ? Math.ceil(H / sh) : Math.floor((H - kh) / sh) + 1;
  const Wo = padding === 'SAME' ? Math.ceil(W / sw) : Math.floor((W - kw) / sw) + 1;
  const top = padding === 'SAME' ? Math.floor(Math.max((Ho - 1) * sh + kh - H, 0) / 2) : 0;
  const left = padding === 'SAME' ? Math.floor(Math.max((Wo - 1) * sw + kw - W, 0) / 2) : 0;
  return { Ho, Wo, top, left };
}

export function maxPoolGradFirstMax(x: Float32Array, dy: Float32Array, g: PoolGeometry): Float32Array {
  const {
    batch: B,
    height: H,
    width: W,
    channels: C,
    kernel: [kh, kw],
    strides: [sh, sw],
  } = g;
  const { Ho, Wo, top, left } = poolOutputSize(g);
  const dx = new Float32Array(B * H * W * C);
  const best = new Float32Array(C);
  const bestIdx = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    const base = b * H * W * C;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        best.fill(-Infinity);
        bestIdx.fill(-1);
        for (let i = 0; i < kh; i++) {
          const h = oh * sh - top + i;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < kw; j++) {
            const w = ow * sw - left + j;
            if (w < 0 || w >= W) continue;
            const off = base + (h * W + w) * C;
            for (let c = 0; c < C; c++) {
              const v = x[off + c];
              // Strictly greater keeps the first maximum; bestIdx < 0 admits -Infinity and NaN-free ties.
              if (v > best[c] || bestIdx[c] < 0) {
                best[c] = v;
                bestIdx[c] = off + c;
              }
            }
          }
        }
        const dyOff = ((b * Ho + oh) * Wo + ow) * C;
        for (let c = 0; c < C; c++) dx[bestIdx[c]] += dy[dyOff + c];
      }
    }
  }
  return dx;
}
