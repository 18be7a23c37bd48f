import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../../../errors/engine-error.js';

/**
 * A helper thread that holds its own ONNX Runtime session of one input-gradient graph and runs
 * it on its share of a batch while the calling thread runs another share: ORT's run blocks the
 * thread that calls it, and with one session most of a render step's ops (slices, selects,
 * scatters, layout reorders) run on one intra-op thread while the other core waits. Two
 * single-threaded sessions on half a batch each keep both cores busy and spend less CPU than
 * one two-threaded session on the whole (OnnxInputGradients). The items of a batch are
 * independent, so the gradients are the same as one run's, bit for bit.
 *
 * The thread's code is plain JavaScript evaluated in place (no entry point to bundle); it loads
 * onnxruntime-node from the path this module resolves.
 */
const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
ort.InferenceSession.create(workerData.graph, workerData.options).then((session) => {
  parentPort.postMessage({ ready: true });
  parentPort.on('message', async ({ id, image, weights, batch, size, channels }) => {
    try {
      const out = await session.run({
        image: new ort.Tensor('float32', image, [batch, size, size, 3]),
        channel_weights: new ort.Tensor('float32', weights, [batch, channels]),
      });
      parentPort.postMessage({ id, objective: out.objective.data, activation: out.activation.data, grad: out.grad.data });
    } catch (e) {
      parentPort.postMessage({ id, error: String(e && e.message || e) });
    }
  });
}, (e) => parentPort.postMessage({ ready: false, error: String(e && e.message || e) }));
`;

export interface ThreadOutputs {
  objective: Float32Array;
  activation: Float32Array;
  grad: Float32Array;
}

export class InputGradientThread {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (o: ThreadOutputs) => void; reject: (e: Error) => void }>();
  /** Set once the thread has exited: later runs fail at once instead of waiting for it. */
  private exited: EngineError | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; error?: string } & ThreadOutputs) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) worker.unref();
      if (m.error) w.reject(new EngineError('BACKEND_UNAVAILABLE', `An input-gradient thread's ONNX Runtime run failed: ${m.error}`));
      else w.resolve(m);
    });
    worker.on('exit', (code) => {
      this.exited = new EngineError('BACKEND_UNAVAILABLE', `An input-gradient thread exited (code ${code}).`);
      for (const w of this.waiting.values()) w.reject(this.exited);
      this.waiting.clear();
    });
    // An idle thread does not keep the process alive; one with a run in flight does (run()).
    worker.unref();
  }

  /** Starts a thread with a session of `graph` (ONNX bytes, copied to it) under `options` (plain ORT session options). */
  static start(graph: Uint8Array, options: object): Promise<InputGradientThread> {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const worker = new Worker(THREAD_CODE, { eval: true, workerData: { ortPath, graph, options } });
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        void worker.terminate();
        reject(new EngineError('BACKEND_UNAVAILABLE', `An input-gradient thread did not start: ${why}`));
      };
      worker.once('message', (m: { ready: boolean; error?: string }) =>
        m.ready ? resolve(new InputGradientThread(worker)) : fail(m.error ?? 'unknown error'),
      );
      worker.once('error', (e) => fail(e.message));
    });
  }

  /** Runs the thread's session on `batch` images ([batch, size, size, 3]) and their weights ([batch, channels]); both are copied. */
  run(image: Float32Array, weights: Float32Array, batch: number, size: number, channels: number): Promise<ThreadOutputs> {
    const id = this.nextId++;
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      // Copies of just these items (a subarray would clone its whole buffer), handed over.
      const copies = { image: image.slice(), weights: weights.slice() };
      this.worker.postMessage({ id, ...copies, batch, size, channels }, [copies.image.buffer, copies.weights.buffer]);
    });
  }

  get alive() {
    return this.exited === null;
  }

  terminate() {
    return this.worker.terminate();
  }
}
