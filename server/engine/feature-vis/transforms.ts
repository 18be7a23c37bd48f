/**
 * Random transforms applied before every step (Lucid's `optvis/transform.py`): the visualization
 * must keep activating the channel when shifted, scaled and rotated a little, which removes the
 * high-frequency adversarial patterns an untransformed optimization finds (Olah et al.,
 * "Feature Visualization", Distill 2017, "Transformation robustness").
 *
 * Each transform is `(config) => (image, random) => { image, backward }`: `backward` is the exact
 * adjoint of what was applied (a linear map of the pixels), so gradients reach the parameters.
 * Unlike Lucid, scaling keeps the canvas size (zoom about the centre), so every image in a
 * batch, each with its own random draws, has the same size and one compiled graph serves all.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** HWC, 3 channels. */
  data: Float32Array;
}

export interface Transformed {
  image: RgbImage;
  backward: (grad: RgbImage) => RgbImage;
}

export type Transform = ((image: RgbImage, random: () => number) => Transformed) & { describe: string };

const named = (describe: string, f: (image: RgbImage, random: () => number) => Transformed): Transform => Object.assign(f, { describe });
const pick = <T>(values: readonly T[], random: () => number) => values[Math.min(values.length - 1, Math.floor(random() * values.length))];
const blank = (width: number, height: number, fill = 0): RgbImage => ({ width, height, data: new Float32Array(width * height * 3).fill(fill) });

/** Copies a w x h window at (x0, y0) of `src` into `dst` at (x1, y1). */
function blit(src: RgbImage, x0: number, y0: number, dst: RgbImage, x1: number, y1: number, w: number, h: number) {
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * src.width + x0) * 3;
    dst.data.set(src.data.subarray(from, from + w * 3), ((y1 + y) * dst.width + x1) * 3);
  }
}

/** A constant border of `px` pixels (Lucid pads with 0.5 grey before jittering). */
export const pad = (px: number, value = 0.5): Transform =>
  named(`Pad(${px}, ${value})`, (image) => {
    const out = blank(image.width + 2 * px, image.height + 2 * px, value);
    blit(image, 0, 0, out, px, px, image.width, image.height);
    return {
      image: out,
      backward: (g) => {
        const dx = blank(image.width, image.height);
        blit(g, px, px, dx, 0, 0, image.width, image.height);
        return dx;
      },
    };
  });

/** A random crop `d` px smaller: shifts the content by 0..d px in x and y. */
export const jitter = (d: number): Transform =>
  named(`Jitter(${d})`, (image, random) => {
    const ox = Math.floor(random() * (d + 1));
    const oy = Math.floor(random() * (d + 1));
    const w = image.width - d;
    const h = image.height - d;
    const out = blank(w, h);
    blit(image, ox, oy, out, 0, 0, w, h);
    return {
      image: out,
      backward: (g) => {
        const dx = blank(image.width, image.height);
        blit(g, 0, 0, dx, ox, oy, w, h);
        return dx;
      },
    };
  });

/**
 * Bilinear resampling through the affine map source = (a x + b y + c, d x + e y + f), on pixel
 * centres. Samples outside the image read `fill`, which carries no gradient. The backward pass
 * recomputes each output pixel's four taps rather than storing them: as cheap, and no
 * per-step index arrays.
 */
function resample(image: RgbImage, affine: readonly number[], fill: number): Transformed {
  const { width: W, height: H } = image;
  const out = blank(W, H);
  sampleBilinear(image.data, out.data, W, H, affine, fill, false);
  return {
    image: out,
    backward: (g) => {
      const dx = blank(W, H);
      sampleBilinear(dx.data, g.data, W, H, affine, 0, true);
      return dx;
    },
  };
}

/**
 * Forward (`adjoint` false): dst[p] = sum of the taps of src (fill outside). Adjoint: each
 * output pixel's value in `dst` is added back into `src` at its in-image taps.
 */
function sampleBilinear(src: Float32Array, dst: Float32Array, W: number, H: number, [a, b, c, d, e, f]: readonly number[], fill: number, adjoint: boolean) {
  for (let y = 0, p = 0; y < H; y++) {
    for (let x = 0; x < W; x++, p += 3) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let r = 0, gr = 0, bl = 0;
      if (adjoint) {
        r = dst[p];
        gr = dst[p + 1];
        bl = dst[p + 2];
      }
      for (let k = 0; k < 4; k++) {
        const cx = x0 + (k & 1);
        const cy = y0 + (k >> 1);
        const w = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
        const inside = cx >= 0 && cx < W && cy >= 0 && cy < H;
        if (adjoint) {
          if (!inside) continue;
          const i = (cy * W + cx) * 3;
          src[i] += w * r;
          src[i + 1] += w * gr;
          src[i + 2] += w * bl;
        } else if (inside) {
          const i = (cy * W + cx) * 3;
          r += w * src[i];
          gr += w * src[i + 1];
          bl += w * src[i + 2];
        } else {
          r += w * fill;
          gr += w * fill;
          bl += w * fill;
        }
      }
      if (!adjoint) {
        dst[p] = r;
        dst[p + 1] = gr;
        dst[p + 2] = bl;
      }
    }
  }
}

/** Zoom about the centre by a factor drawn from `scales`, keeping the canvas size. */
export const randomScale = (scales: readonly number[], fill = 0.5): Transform =>
  named(`RandomScale(${scales[0]}..${scales.at(-1)})`, (image, random) => {
    const s = pick(scales, random);
    const cx = (image.width - 1) / 2;
    const cy = (image.height - 1) / 2;
    return resample(image, [1 / s, 0, cx - cx / s, 0, 1 / s, cy - cy / s], fill);
  });

/** Rotation about the centre by an angle in degrees drawn from `degrees`. */
export const randomRotate = (degrees: readonly number[], fill = 0.5): Transform =>
  named(`RandomRotate(${Math.min(...degrees)}..${Math.max(...degrees)})`, (image, random) => {
    const a = (pick(degrees, random) * Math.PI) / 180;
    const cos = Math.cos(a);
    const sin = Math.sin(a);
    const cx = (image.width - 1) / 2;
    const cy = (image.height - 1) / 2;
    return resample(image, [cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy], fill);
  });

/** Applies transforms in order; backward runs them in reverse. */
export const compose = (...transforms: Transform[]): Transform =>
  named(`Compose(${transforms.map((t) => t.describe).join(', ')})`, (image, random) => {
    const backwards: Transformed['backward'][] = [];
    let current = image;
    for (const t of transforms) {
      const r = t(current, random);
      backwards.push(r.backward);
      current = r.image;
    }
    return { image: current, backward: (g) => backwards.reduceRight((acc, b) => b(acc), g) };
  });

/** Lucid's `standard_transforms`: pad 12 (grey), jitter 8, scale 0.9..1.1, rotate -10..10 degrees, jitter 4. */
export const standardTransforms = compose(
  pad(12, 0.5),
  jitter(8),
  randomScale(Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50)),
  randomRotate([...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0]),
  jitter(4),
);

/** The side the transforms give for a `size` input: every one maps a square to a square. */
export function transformedSize(transform: Transform, size: number): number {
  return transform(blank(size, size), () => 0).image.width;
}
