import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Proc, startProcess, stopProcess } from '../scale-out/helpers/processes.js';

/** This machine's first non-loopback IPv4 address, if it has one. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/** Whether a TCP connection to host:port is accepted. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const procs: Proc[] = [];
const dirs: string[] = [];

async function startMain(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'main-host-'));
  dirs.push(dataDir);
  const p = await startProcess(
    'server/main.ts',
    { PORT: '0', DATA_DIR: dataDir, ENGINE_WORKERS: '1', ...env },
    /listening on (http:\/\/(\S+):(\d+))\/graphql .*reachable from ([^(]+) \(HOST\)/,
  );
  procs.push(p);
  return { origin: p.match[1], shownHost: p.match[2], port: Number(p.match[3]), reach: p.match[4].trim() };
}

afterAll(async () => {
  for (const p of procs) await stopProcess(p);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('server/main.ts HOST', () => {
  it('listens on 127.0.0.1 by default, prints that address, and refuses other interfaces', async () => {
    const { origin, port, reach } = await startMain({ HOST: '' });
    expect(origin).toBe(`http://127.0.0.1:${port}`);
    expect(reach).toBe('this machine only');
    expect((await fetch(`${origin}/health`)).status).toBe(200);
    if (external) expect(await accepts(external, port)).toBe(false);
  });

  it('HOST=0.0.0.0 exposes it on every interface and prints the machine name', async () => {
    const { shownHost, port, reach } = await startMain({ HOST: '0.0.0.0' });
    expect(shownHost).toBe(hostname());
    expect(reach).toBe('all interfaces');
    expect(await accepts('127.0.0.1', port)).toBe(true);
    if (external) expect(await accepts(external, port)).toBe(true);
  });
});
