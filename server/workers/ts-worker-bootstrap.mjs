// Worker threads do not inherit tsx's loader under every parent (vitest, plain node): register it here.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
