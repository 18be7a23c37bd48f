/**
 * The whole state of one integration after some steps: plain numbers and Float64Arrays, so it
 * can be copied, stored (structured clone, or the arrays' bytes) and handed back as `resumeFrom`.
 * A run resumed from it takes the same steps in the same order and sums them in the same order,
 * so it ends bit for bit equal to a run that was never interrupted. It belongs to one request
 * (image, layer, score, method, steps, rule, seed); nothing in it says which, so keep it with
 * the request it came from.
 */
export interface IntegrationState {
  /** Bumped whenever a field changes meaning. */
  version: 1;
  /** Steps done: the first `stepsDone` entries of the rule's evaluation order (`quadrature.order`). */
  stepsDone: number;
  /** Sum of the rule's weights over the steps done. */
  weightDone: number;
  /**
   * sum_k w_k * dScore/dA(point_k) over the steps done, per position and channel (H * W * C,
   * NHWC), not rescaled. The integrated gradient is `gradientSum * totalWeight / weightDone`
   * (`integratedGradient`); the spatial attribution map is that times the activations.
   */
  gradientSum: Float64Array;
  /**
   * stepsDone x C, in evaluation order: each step's channel values sum_pos grad_k * A,
   * unweighted. The values, the error estimates and the previous snapshot's ranking are all
   * recomputed from these.
   */
  stepValues: Float64Array;
  /**
   * stepsDone x P, in evaluation order: each step's gradient projected on the run's P fixed
   * directions (`EstimatorOptions.projection`, e.g. neuron groups), unweighted; empty without.
   * Their values and error bars are recomputed from these exactly as the channels' are.
   */
  projectionValues: Float64Array;
  /** Milliseconds spent on the steps done, so a resumed run keeps counting. */
  elapsedMs: number;
}

/** The integrated gradient (H * W * C) a state stands for, rescaled to the rule's full weight. */
export function integratedGradient(state: IntegrationState, totalWeight = 1): Float64Array {
  const scale = state.weightDone > 0 ? totalWeight / state.weightDone : 0;
  return state.gradientSum.map((g) => g * scale);
}

/**
 * The state as bytes, for a store: a little-endian u32 header length, the header (JSON of the
 * scalar fields, padded to 8 bytes), then gradientSum and stepValues as raw Float64 (this
 * machine's byte order, little-endian on every platform Node runs on). JSON keeps the doubles
 * exact, so decodeState(encodeState(s)) resumes bit for bit.
 */
export function encodeState(s: IntegrationState): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({
      version: s.version,
      stepsDone: s.stepsDone,
      weightDone: s.weightDone,
      elapsedMs: s.elapsedMs,
      gradientLength: s.gradientSum.length,
      stepValuesLength: s.stepValues.length,
      projectionValuesLength: s.projectionValues.length,
    }),
  );
  const headerBytes = Math.ceil((4 + header.length) / 8) * 8;
  const out = new Uint8Array(headerBytes + 8 * (s.gradientSum.length + s.stepValues.length + s.projectionValues.length));
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  out.set(new Uint8Array(s.gradientSum.buffer, s.gradientSum.byteOffset, s.gradientSum.byteLength), headerBytes);
  out.set(new Uint8Array(s.stepValues.buffer, s.stepValues.byteOffset, s.stepValues.byteLength), headerBytes + s.gradientSum.byteLength);
  out.set(
    new Uint8Array(s.projectionValues.buffer, s.projectionValues.byteOffset, s.projectionValues.byteLength),
    headerBytes + s.gradientSum.byteLength + s.stepValues.byteLength,
  );
  return out;
}

export function decodeState(bytes: Uint8Array): IntegrationState {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  const headerBytes = Math.ceil((4 + headerLength) / 8) * 8;
  // Copy out, so the arrays are aligned and do not alias the caller's buffer.
  const body = bytes.slice(headerBytes);
  const gradientSum = new Float64Array(body.buffer, 0, h.gradientLength);
  const stepValues = new Float64Array(body.buffer, 8 * h.gradientLength, h.stepValuesLength);
  // Checkpoints written before projections existed have none.
  const projectionValues = new Float64Array(body.buffer, 8 * (h.gradientLength + h.stepValuesLength), h.projectionValuesLength ?? 0);
  return {
    version: h.version,
    stepsDone: h.stepsDone,
    weightDone: h.weightDone,
    elapsedMs: h.elapsedMs,
    gradientSum,
    stepValues,
    projectionValues,
  };
}
