import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../../server/helpers/test-server.js';

export interface Proc {
  child: ChildProcess;
  log(): string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
}

/**
 * `node --import tsx FILE` (the process is the server itself, so a signal reaches it), resolving
 * once a line of its output matches `ready`.
 */
export async function startProcess(
  file: string,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 180_000,
): Promise<Proc & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not get ready:\n${out}`)), timeoutMs);
    const check = () => {
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((code) => reject(new Error(`${file} exited (${code}) before it was ready:\n${out}`)));
  });
  return { child, log: () => out, exited, match };
}

/** SIGTERM, then SIGKILL if it has not exited within `ms`. */
export async function stopProcess(p: Proc, ms = 15_000) {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  await p.exited;
  clearTimeout(timer);
}
