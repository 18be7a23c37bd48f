import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from '../errors/engine-error.js';
import { openModel } from './open-model.js';
import type { InspectReply, InspectWork } from './protocol.js';

/**
 * A one-off thread that reads and checks an uploaded model as loading it for a job would, and
 * describes it. Off the event loop, and off the engine threads, whose jobs keep their pace: this
 * thread (and the ONNX Runtime threads it starts) runs at the lowest priority, so on a busy
 * machine the import waits for the cores rather than the jobs.
 */
const work = workerData as InspectWork;
try {
  setPriority(0, 19);
} catch {
  // Some containers forbid it: the import then competes with the jobs as an equal.
}
let reply: InspectReply;
try {
  const { executor, description } = await openModel({ id: 'inspected', path: work.path, format: 'onnx', fingerprint: '' }, work.options);
  reply = { description };
  executor.dispose();
} catch (e) {
  reply = { error: e instanceof EngineError ? e.toJSON() : { code: 'INTERNAL', message: (e as Error)?.message ?? String(e) } };
}
parentPort!.postMessage(reply);
