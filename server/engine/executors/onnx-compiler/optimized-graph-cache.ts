import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../repo-root.js';

/** Everything an optimized graph depends on; a change in any of them is a different file. */
export interface GraphIdentity {
  weightsSha256: string;
  /** sha256 of the network description the graph is built from (nodes, attributes, shapes). */
  topology: string;
  kind: string;
  layer: string;
  /** Compile options and ORT settings that change the optimized graph (pool/conv gradient form, optimization level, provider). */
  settings: Record<string, unknown>;
  ortVersion: string;
}

/** Cache files kept, newest used first, before the oldest are deleted (9 layers x 3 graphs is ~0.5 GB). */
export const DEFAULT_CACHE_BYTES = 1.5e9;

/** Files the compiled graph is made from: the compiler and the network description it reads. */
const COMPILER_SOURCES = [
  join('server', 'engine', 'executors', 'onnx-compiler'),
  join('server', 'engine', 'network', 'network.ts'),
  join('server', 'engine', 'onnx-import'),
];

let fingerprint: string | null | undefined;

/**
 * sha256 of the compiler's source files, so a change to any lowering rule invalidates every
 * cached graph. Read from the repository in both modes (tsx sources and dist/ bundles); null,
 * which turns the cache off, when the sources are not there.
 */
export function compilerFingerprint(root = REPO_ROOT): string | null {
  if (fingerprint !== undefined && root === REPO_ROOT) return fingerprint;
  const h = createHash('sha256');
  let found = 0;
  for (const rel of COMPILER_SOURCES) {
    const p = join(root, rel);
    if (!existsSync(p)) continue;
    const files = statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.ts'))
          .sort()
          .map((f) => join(p, f))
      : [p];
    for (const f of files) {
      h.update(f.slice(root.length)).update('\0').update(readFileSync(f)).update('\0');
      found++;
    }
  }
  const value = found > 0 ? h.digest('hex') : null;
  if (root === REPO_ROOT) fingerprint = value;
  return value;
}

/**
 * ONNX Runtime's optimized graphs on disk, one file per graph identity, so a second process
 * (the CLI run again, a restarted server) loads the optimized model instead of building the
 * graph in TypeScript and optimizing it again. ORT writes the file (`optimizedModelFilePath`)
 * while it creates the session; it lands under a temporary name and is renamed into place, so
 * a reader never sees half a file. The optimized graph may use this CPU's kernels layout
 * (NCHWc), so the CPU model is part of the identity.
 */
export class OptimizedGraphCache {
  constructor(
    readonly dir: string,
    private readonly maxBytes = DEFAULT_CACHE_BYTES,
    private readonly compiler = compilerFingerprint(),
  ) {}

  get enabled(): boolean {
    return this.compiler !== null;
  }

  /** The file for an identity (whether or not it exists yet). */
  pathFor(id: GraphIdentity): string {
    const key = createHash('sha256')
      .update(JSON.stringify({ format: 1, compiler: this.compiler, cpu: `${arch()} ${cpus()[0]?.model ?? ''}`, ...id }))
      .digest('hex')
      .slice(0, 24);
    // An imported layer may be named by its tensor (`/layer1/Relu_output_0`): keep file names plain.
    return join(this.dir, `${id.kind}-${id.layer.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)}-${key}.onnx`);
  }

  /** The cached file, touched so pruning keeps it, or undefined. */
  lookup(id: GraphIdentity): string | undefined {
    if (!this.enabled) return undefined;
    const p = this.pathFor(id);
    if (!existsSync(p)) return undefined;
    const now = new Date();
    try {
      utimesSync(p, now, now);
    } catch {
      // A read-only cache still serves.
    }
    return p;
  }

  /** A temporary path for ORT to write the optimized graph to; `commit` moves it into place. */
  scratchPath(id: GraphIdentity): string | undefined {
    if (!this.enabled) return undefined;
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch {
      return undefined;
    }
    return `${this.pathFor(id)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  }

  /** Moves a written scratch file into place and prunes the oldest files past the size limit. */
  commit(id: GraphIdentity, scratch: string) {
    try {
      renameSync(scratch, this.pathFor(id));
      this.prune();
    } catch {
      rmSync(scratch, { force: true });
    }
  }

  /** Drops a file ORT could not load (truncated, from another ORT build): it is rebuilt. */
  discard(id: GraphIdentity) {
    rmSync(this.pathFor(id), { force: true });
  }

  private prune() {
    const names = readdirSync(this.dir);
    // Scratch files a killed process left behind.
    for (const f of names.filter((n) => n.endsWith('.tmp'))) {
      const p = join(this.dir, f);
      if (Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { force: true });
    }
    const files = names
      .filter((f) => f.endsWith('.onnx'))
      .map((f) => {
        const s = statSync(join(this.dir, f));
        return { path: join(this.dir, f), bytes: s.size, used: s.mtimeMs };
      })
      .sort((a, b) => b.used - a.used);
    let total = 0;
    for (const f of files) {
      total += f.bytes;
      if (total > this.maxBytes) rmSync(f.path, { force: true });
    }
  }
}
