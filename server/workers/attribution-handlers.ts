import { layerShape } from '../engine/layer-info.js';
import type { AttributionRequest, AttributionResult, EstimatorOptions, Snapshot, SpatialMap } from '../engine/attribution/index.js';
import { attribute, attributeLayers } from '../engine/attribution/index.js';
import type { RunPhases, RunResult } from '../engine/engine.js';
import type { Executor } from '../engine/executors/executor.js';
import { CheckpointPacer, readCheckpoint } from './checkpoint-pacer.js';
import type { WorkerEvent } from './protocol.js';

type Send = (e: WorkerEvent, transfer?: ArrayBuffer[]) => void;

const resultTransfer = (r: AttributionResult) => [r.spatial.data.buffer as ArrayBuffer, r.integratedGradient.buffer as ArrayBuffer];

/**
 * One layer's run as the worker streams it: each snapshot with the running spatial map and,
 * when due, the checkpoint; the last chunk's unsent checkpoint when the run stops.
 */
class LayerStream {
  private spatial: SpatialMap | undefined;
  private readonly pacer: CheckpointPacer;

  constructor(
    private readonly id: number,
    private readonly send: Send,
    private readonly executor: Executor,
    private readonly layer: string,
    private readonly signal: AbortSignal,
    private readonly checkpointIntervalMs: number | undefined,
    /** Set on a multi-layer run's messages, so the pool knows whose they are. */
    private readonly tag?: string,
  ) {
    this.pacer = new CheckpointPacer(checkpointIntervalMs ?? 0, signal);
  }

  options(resumeFrom?: Uint8Array): EstimatorOptions {
    const [height, width, channels] = layerShape(this.executor.model.layers, this.layer);
    return {
      signal: this.signal,
      onSpatial: (data) => (this.spatial = { height, width, channels, data }),
      onCheckpoint: this.checkpointIntervalMs === undefined ? undefined : (state) => this.pacer.offer(state),
      resumeFrom: resumeFrom && readCheckpoint(resumeFrom),
    };
  }

  snapshot(snapshot: Snapshot) {
    const checkpoint = this.pacer.take(snapshot);
    const spatial = this.spatial;
    this.spatial = undefined;
    this.send({ type: 'snapshot', id: this.id, layer: this.tag, snapshot, spatial, checkpoint }, [
      ...(spatial ? [spatial.data.buffer as ArrayBuffer] : []),
      ...(checkpoint ? [checkpoint.buffer as ArrayBuffer] : []),
    ]);
  }

  /** Stopped between chunks: hand back the last chunk's state if it was not sent yet. */
  stopped() {
    const last = this.pacer.unsent();
    if (last)
      this.send({ type: 'snapshot', id: this.id, layer: this.tag, snapshot: last.snapshot, checkpoint: last.checkpoint }, [
        last.checkpoint.buffer as ArrayBuffer,
      ]);
  }
}

/** A `run`: one layer, its snapshots, then its result with where the time went. */
export async function runOne(
  executor: Executor,
  send: Send,
  cmd: { id: number; pixels: Float32Array; request: AttributionRequest; resumeFrom?: Uint8Array; checkpointIntervalMs?: number },
  signal: AbortSignal,
): Promise<{ value: RunResult; transfer: ArrayBuffer[] }> {
  const t0 = performance.now();
  await executor.prepareLayer?.(cmd.request.layer);
  const t1 = performance.now();
  const stream = new LayerStream(cmd.id, send, executor, cmd.request.layer, signal, cmd.checkpointIntervalMs);
  const it = attribute(executor, cmd.pixels, cmd.request, stream.options(cmd.resumeFrom));
  for (;;) {
    let r;
    try {
      r = await it.next();
    } catch (e) {
      stream.stopped();
      throw e;
    }
    if (r.done) {
      const pathMs = r.value.elapsedMs;
      const phases: RunPhases = { compileMs: t1 - t0, activationsMs: performance.now() - t1 - pathMs, pathMs };
      return { value: { ...r.value, phases }, transfer: resultTransfer(r.value) };
    }
    stream.snapshot(r.value);
  }
}

/**
 * A `runLayers`: one forward pass for every layer's activations, then each layer in turn, its
 * snapshots tagged with the layer and its result sent as soon as it is done (`layer-done`), so
 * the job can store it; the reply is where the whole run's time went.
 */
export async function runLayers(
  executor: Executor,
  send: Send,
  cmd: {
    id: number;
    pixels: Float32Array;
    request: AttributionRequest;
    layers: string[];
    resume?: { layer: string; data: Uint8Array };
    checkpointIntervalMs?: number;
  },
  signal: AbortSignal,
): Promise<RunPhases> {
  const phases: RunPhases = { compileMs: 0, activationsMs: 0, pathMs: 0 };
  const t0 = performance.now();
  // The first layer's graphs before the forward pass, as a single run does; the others' before each.
  if (cmd.layers.length) await executor.prepareLayer?.(cmd.layers[0]);
  phases.compileMs += performance.now() - t0;
  let stream: LayerStream | undefined;
  const it = attributeLayers(executor, cmd.pixels, cmd.request, {
    layers: cmd.layers,
    beforeLayer: async (layer) => {
      const t = performance.now();
      await executor.prepareLayer?.(layer);
      phases.compileMs += performance.now() - t;
    },
    optionsFor: (layer) => {
      stream = new LayerStream(cmd.id, send, executor, layer, signal, cmd.checkpointIntervalMs, layer);
      return stream.options(cmd.resume?.layer === layer ? cmd.resume.data : undefined);
    },
  });
  for (;;) {
    let r;
    try {
      r = await it.next();
    } catch (e) {
      stream?.stopped();
      throw e;
    }
    if (r.done) break;
    const step = r.value;
    if (step.result) {
      phases.pathMs += step.result.elapsedMs;
      const result: RunResult = { ...step.result, phases: { compileMs: 0, activationsMs: 0, pathMs: step.result.elapsedMs } };
      send({ type: 'layer-done', id: cmd.id, layer: step.layer, result }, resultTransfer(step.result));
    } else stream!.snapshot(step.snapshot);
  }
  phases.activationsMs = performance.now() - t0 - phases.compileMs - phases.pathMs;
  return phases;
}
