import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cutAt, type Network } from '../server/engine/network/network.js';

/**
 * PyTorch as a bench anchor: Debian's `python3-torch`, run by `/usr/bin/python3` (the `python3`
 * first on PATH may be another Python without torch). Never a test or runtime dependency.
 */
export const TORCH_PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
export const TORCH_INSTALL_HINT =
  'PyTorch is not installed for /usr/bin/python3: `sudo apt-get install python3-torch` (Debian) adds it, and the bench then runs the same path in PyTorch beside the project';

/** torch's version when `/usr/bin/python3 -c 'import torch'` works, else null. */
export function torchVersion(): string | null {
  const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Writes what bench/pytorch-path.py reads into `dir`: the network cut at `layer` (its nodes as
 * JSON, its weights as one float32 blob), the activations A (NHWC) and the run's settings.
 */
export function writeTorchNetwork(
  dir: string,
  net: Network,
  layer: string,
  acts: Float32Array,
  classes: [number, number],
  threads: number,
) {
  const nodes = cutAt(net, layer);
  const names = [...new Set(nodes.flatMap((n) => n.params))];
  const weights: { name: string; shape: number[]; offset: number }[] = [];
  let offset = 0;
  for (const name of names) {
    const t = net.weights.get(name)!;
    weights.push({ name, shape: t.shape, offset });
    offset += t.data.length;
  }
  const blob = new Float32Array(offset);
  for (const w of weights) blob.set(net.weights.get(w.name)!.data, w.offset);
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(blob.buffer));
  writeFileSync(join(dir, 'acts.bin'), new Uint8Array(acts.buffer, acts.byteOffset, acts.byteLength));
  writeFileSync(
    join(dir, 'network.json'),
    JSON.stringify({
      layer,
      layerShape: net.byName.get(layer)!.shape,
      nodes: nodes.map((n) => ({ name: n.name, op: n.op, inputs: n.inputs, params: n.params, attrs: n.attrs, shape: n.shape })),
      weights,
      class1: classes[0],
      class2: classes[1],
      threads,
    }),
  );
}

export interface TorchPathRun {
  ms: number;
  /** The Python process's CPU time over the run (all threads). */
  cpuMs: number;
  values?: number[];
}

/**
 * A long-lived PyTorch process holding the network cut at `layer` and the activations A, so a
 * bench interleaves PyTorch's path runs with its own in one run (bench/pytorch-path.py).
 */
export class TorchPath {
  private readonly lines: AsyncIterator<string>;
  /** torch.__version__ of the running process. */
  version = '';

  private constructor(
    private readonly proc: ChildProcessByStdio<Writable, Readable, null>,
    private readonly dir: string,
  ) {
    this.lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  }

  /**
   * `ompWait`: OpenMP's wait policy for PyTorch's threads. `default` is what a user's script
   * gets (threads spin a while at each barrier: fastest on idle cores, several times slower where
   * other processes share them); `passive` sleeps at once.
   */
  static async start(
    net: Network,
    layer: string,
    acts: Float32Array,
    classes: [number, number],
    threads: number,
    ompWait: 'default' | 'passive' = 'default',
  ): Promise<TorchPath> {
    const dir = mkdtempSync(join(tmpdir(), 'torch-path-'));
    writeTorchNetwork(dir, net, layer, acts, classes, threads);
    const script = resolve(fileURLToPath(import.meta.url), '../pytorch-path.py');
    const env = ompWait === 'passive' ? { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } : process.env;
    const proc = spawn(TORCH_PYTHON, [script, dir], { stdio: ['pipe', 'pipe', 'inherit'], env });
    const t = new TorchPath(proc, dir);
    t.version = JSON.parse(await t.next()).torch;
    return t;
  }

  private async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`PyTorch (${TORCH_PYTHON} bench/pytorch-path.py) exited early; see its stderr above`);
    return r.value;
  }

  /** One left-Riemann path of `steps` steps at `batch`; with `values`, the channel attributions too. */
  async path(batch: number, steps: number, values = false): Promise<TorchPathRun> {
    this.proc.stdin.write(JSON.stringify({ cmd: 'path', batch, steps, values }) + '\n');
    return JSON.parse(await this.next());
  }

  close() {
    this.proc.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
