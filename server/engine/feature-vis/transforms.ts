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
const blank = (width: number, height: number, fill = 0): RgbImage => ({
  width,
  height,
  data: new Float32Array(width * height * 3).fill(fill),
});

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
 * Bilinear resampling through the affine map source = (a X + b Y + c, d X + e Y + f), on pixel
 * centres. Samples outside the image read `fill`, which carries no gradient. The backward pass
 * recomputes each output pixel's four taps rather than storing them: as cheap, and no
 * per-step index arrays.
 */
function resample(image: RgbImage, affine: readonly number[], fill: number): Transformed {
  const { width: W, height: H } = image;
  const window: SampleWindow = { width: W, height: H, x0: 0, y0: 0, x1: W, y1: H };
  const out = blank(W, H);
  bilinear(image.data, window, out.data, W, H, 0, 0, affine, fill, false);
  return {
    image: out,
    backward: (g) => {
      const dx = blank(W, H);
      bilinear(dx.data, window, g.data, W, H, 0, 0, affine, 0, true);
      return dx;
    },
  };
}

/**
 * Where a resample reads: taps at sampling coordinates inside [x0, x1) x [y0, y1) come from the
 * source image, a `width` x `height` array whose pixel (0, 0) sits at sampling coordinates
 * (x0, y0); every other tap reads the fill. A window smaller than the sampling frame is an
 * image padded with the fill, then cropped: how pad and jitter fold into the next resample.
 */
interface SampleWindow {
  width: number;
  height: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Forward (`adjoint` false): dst[y][x] = the bilinear sample of the window at (a X + b Y + c,
 * d X + e Y + f), X = x + ox, Y = y + oy ((ox, oy) crops the output out of a larger sampled
 * frame). Adjoint: each output pixel's value in `dst` is added into `src` at its in-window taps
 * (the fill carries no gradient). Pixels whose four taps are all inside take the fast path.
 */
function bilinear(
  src: Float32Array,
  win: SampleWindow,
  dst: Float32Array,
  W: number,
  H: number,
  ox: number,
  oy: number,
  [a, b, c, d, e, f]: readonly number[],
  fill: number,
  adjoint: boolean,
) {
  const { width: SW, x0: wx0, y0: wy0, x1: wx1, y1: wy1 } = win;
  for (let y = 0, p = 0; y < H; y++) {
    const Y = y + oy;
    for (let x = 0; x < W; x++, p += 3) {
      const X = x + ox;
      const sx = a * X + b * Y + c;
      const sy = d * X + e * Y + f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const r = adjoint ? dst[p] : 0,
        gr = adjoint ? dst[p + 1] : 0,
        bl = adjoint ? dst[p + 2] : 0;
      if (x0 >= wx0 && x0 + 1 < wx1 && y0 >= wy0 && y0 + 1 < wy1) {
        const i = ((y0 - wy0) * SW + (x0 - wx0)) * 3;
        const j = i + SW * 3;
        const w00 = (1 - fx) * (1 - fy),
          w10 = fx * (1 - fy),
          w01 = (1 - fx) * fy,
          w11 = fx * fy;
        if (adjoint) {
          src[i] += w00 * r;
          src[i + 1] += w00 * gr;
          src[i + 2] += w00 * bl;
          src[i + 3] += w10 * r;
          src[i + 4] += w10 * gr;
          src[i + 5] += w10 * bl;
          src[j] += w01 * r;
          src[j + 1] += w01 * gr;
          src[j + 2] += w01 * bl;
          src[j + 3] += w11 * r;
          src[j + 4] += w11 * gr;
          src[j + 5] += w11 * bl;
        } else {
          dst[p] = w00 * src[i] + w10 * src[i + 3] + w01 * src[j] + w11 * src[j + 3];
          dst[p + 1] = w00 * src[i + 1] + w10 * src[i + 4] + w01 * src[j + 1] + w11 * src[j + 4];
          dst[p + 2] = w00 * src[i + 2] + w10 * src[i + 5] + w01 * src[j + 2] + w11 * src[j + 5];
        }
        continue;
      }
      let sr = 0,
        sg = 0,
        sb = 0;
      for (let k = 0; k < 4; k++) {
        const cx = x0 + (k & 1);
        const cy = y0 + (k >> 1);
        const w = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
        const inside = cx >= wx0 && cx < wx1 && cy >= wy0 && cy < wy1;
        const i = ((cy - wy0) * SW + (cx - wx0)) * 3;
        if (adjoint) {
          if (!inside) continue;
          src[i] += w * r;
          src[i + 1] += w * gr;
          src[i + 2] += w * bl;
        } else {
          sr += w * (inside ? src[i] : fill);
          sg += w * (inside ? src[i + 1] : fill);
          sb += w * (inside ? src[i + 2] : fill);
        }
      }
      if (!adjoint) {
        dst[p] = sr;
        dst[p + 1] = sg;
        dst[p + 2] = sb;
      }
    }
  }
}

/** Zoom about the centre by a factor drawn from `scales`, keeping the canvas size. */
export const randomScale = (scales: readonly number[], fill = 0.5): Transform =>
  named(`RandomScale(${scales[0]}..${scales.at(-1)})`, (image, random) =>
    resample(image, scaleAffine(pick(scales, random), image.width, image.height), fill),
  );

/** Output pixel -> source pixel of a zoom by `s` about the centre of a W x H canvas. */
function scaleAffine(s: number, W: number, H: number): number[] {
  const cx = (W - 1) / 2;
  const cy = (H - 1) / 2;
  return [1 / s, 0, cx - cx / s, 0, 1 / s, cy - cy / s];
}

/** Output pixel -> source pixel of a rotation by `degrees` about the centre of a W x H canvas. */
function rotateAffine(degrees: number, W: number, H: number): number[] {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = (W - 1) / 2;
  const cy = (H - 1) / 2;
  return [cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy];
}

/** Rotation about the centre by an angle in degrees drawn from `degrees`. */
export const randomRotate = (degrees: readonly number[], fill = 0.5): Transform =>
  named(`RandomRotate(${Math.min(...degrees)}..${Math.max(...degrees)})`, (image, random) =>
    resample(image, rotateAffine(pick(degrees, random), image.width, image.height), fill),
  );

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

const LUCID_STANDARD = {
  pad: 12,
  fill: 0.5,
  firstJitter: 8,
  scales: Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50),
  degrees: [...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0],
  lastJitter: 4,
};

/** Lucid's `standard_transforms` as five passes, one per transform: the definition the fused form (below) is checked against. */
export const composedStandardTransforms = compose(
  pad(LUCID_STANDARD.pad, LUCID_STANDARD.fill),
  jitter(LUCID_STANDARD.firstJitter),
  randomScale(LUCID_STANDARD.scales, LUCID_STANDARD.fill),
  randomRotate(LUCID_STANDARD.degrees, LUCID_STANDARD.fill),
  jitter(LUCID_STANDARD.lastJitter),
);

/**
 * pad -> jitter -> scale -> rotate -> jitter, the same map as their composition, in two
 * resamples instead of five passes and four intermediate images: the pad and the first jitter
 * are a fill border and a crop, so the scale reads the unpadded image through a window
 * (SampleWindow); the last jitter keeps a crop of the rotation's output, so the rotation samples
 * only the pixels kept. Same random draws in the same order; transforms.test.ts checks it against
 * the composition, forward and backward, and its adjoint identity.
 */
export function padJitterScaleRotateJitter(config: typeof LUCID_STANDARD): Transform {
  const { pad: px, fill, firstJitter, scales, degrees, lastJitter } = config;
  const describe = `Fused(Pad(${px}, ${fill}), Jitter(${firstJitter}), RandomScale(${scales[0]}..${scales.at(-1)}), RandomRotate(${Math.min(...degrees)}..${Math.max(...degrees)}), Jitter(${lastJitter}))`;
  return named(describe, (image, random) => {
    const { width: W, height: H } = image;
    const jx = Math.floor(random() * (firstJitter + 1));
    const jy = Math.floor(random() * (firstJitter + 1));
    // The canvas the scale and the rotation work on: the padded image, cropped by the first jitter.
    const CW = W + 2 * px - firstJitter;
    const CH = H + 2 * px - firstJitter;
    const scale = scaleAffine(pick(scales, random), CW, CH);
    const rotate = rotateAffine(pick(degrees, random), CW, CH);
    const kx = Math.floor(random() * (lastJitter + 1));
    const ky = Math.floor(random() * (lastJitter + 1));
    const OW = CW - lastJitter;
    const OH = CH - lastJitter;
    // In canvas coordinates the image starts at (px - jx, px - jy); the canvas clips it.
    const ix = px - jx,
      iy = px - jy;
    const imageWindow: SampleWindow = {
      width: W,
      height: H,
      x0: Math.max(ix, 0),
      y0: Math.max(iy, 0),
      x1: Math.min(ix + W, CW),
      y1: Math.min(iy + H, CH),
    };
    const src = cropToWindow(image, ix, iy, imageWindow);
    const canvasWindow: SampleWindow = { width: CW, height: CH, x0: 0, y0: 0, x1: CW, y1: CH };
    const scaled = new Float32Array(CW * CH * 3);
    bilinear(src.data, imageWindow, scaled, CW, CH, 0, 0, scale, fill, false);
    const out = blank(OW, OH);
    bilinear(scaled, canvasWindow, out.data, OW, OH, kx, ky, rotate, fill, false);
    return {
      image: out,
      backward: (g) => {
        const dScaled = new Float32Array(CW * CH * 3);
        bilinear(dScaled, canvasWindow, g.data, OW, OH, kx, ky, rotate, 0, true);
        const dSrc = new Float32Array(src.data.length);
        bilinear(dSrc, imageWindow, dScaled, CW, CH, 0, 0, scale, 0, true);
        return uncropFromWindow(dSrc, image, ix, iy, imageWindow);
      },
    };
  });
}

/** The part of `image` (placed at (ix, iy)) inside `win`, as the window's own array; the image itself when it fits whole. */
function cropToWindow(image: RgbImage, ix: number, iy: number, win: SampleWindow): RgbImage {
  const w = win.x1 - win.x0,
    h = win.y1 - win.y0;
  win.width = w;
  win.height = h;
  if (w === image.width && h === image.height) return image;
  const out = blank(w, h);
  blit(image, win.x0 - ix, win.y0 - iy, out, 0, 0, w, h);
  return out;
}

/** The adjoint of cropToWindow: the window's gradient placed back in a zero image. */
function uncropFromWindow(d: Float32Array, image: RgbImage, ix: number, iy: number, win: SampleWindow): RgbImage {
  const { width: w, height: h } = win;
  if (w === image.width && h === image.height) return { width: w, height: h, data: d };
  const dx = blank(image.width, image.height);
  blit({ width: w, height: h, data: d }, 0, 0, dx, win.x0 - ix, win.y0 - iy, w, h);
  return dx;
}

/** Lucid's `standard_transforms`: pad 12 (grey), jitter 8, scale 0.9..1.1, rotate -10..10 degrees, jitter 4; fused into two resamples. */
export const standardTransforms = padJitterScaleRotateJitter(LUCID_STANDARD);

/** The side the transforms give for a `size` input: every one maps a square to a square. */
export function transformedSize(transform: Transform, size: number): number {
  return transform(blank(size, size), () => 0).image.width;
}
