import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readModelFiles } from '../../../server/engine/network/model-source.js';
import { loadManifest } from '../../../server/model-fetch/caffejs-manifest.js';
import { tfjsToCaffejs } from '../../../server/model-fetch/tfjs-to-caffejs.js';
import { MODEL_DIR } from '../../helpers/fixtures.js';

/**
 * A local stand-in for GitHub raw: the shared model written back in the caffejs layout (the
 * inverse transform), served over HTTP on 127.0.0.1 with faults a real mirror shows.
 */
export type MirrorFiles = Map<string, Buffer>;

let cached: MirrorFiles | undefined;
/** Paths as on the caffejs repo (`models/bvlc_googlenet/weights/...`, `data/ilsvrc12/synset_words.txt`). */
export function caffejsFixture(): MirrorFiles {
  if (cached) return cached;
  const m = loadManifest();
  const raw = tfjsToCaffejs(readModelFiles(MODEL_DIR));
  const files: MirrorFiles = new Map();
  for (const [p, b] of raw.weights) files.set(m.source.weightsDir + p, b);
  files.set(m.source.labelsPath, raw.synsetWords);
  return (cached = files);
}

const CUT_DELAY_MS = 200;

export interface MirrorFaults {
  /** Paths answered 404. */
  notFound?: string[];
  /** Paths served with one byte flipped (same length, wrong sha256). */
  corrupt?: string[];
  /** Paths served as a shorter file of this many bytes, with a matching Content-Length. */
  shorten?: { path: string; bytes: number }[];
  /** Paths whose connection is cut after `afterBytes` of the body, for the first `times` requests. */
  cut?: { path: string; afterBytes: number; times: number }[];
  /** Paths that send `afterBytes` of the body, then stall (socket left open), for the first `times` requests. */
  stall?: { path: string; afterBytes: number; times: number }[];
  /** Answer Range requests with the whole file (200), as some servers do. */
  ignoreRange?: boolean;
}

export interface MirrorRequest {
  path: string;
  range: string | null;
  status: number;
  bodyBytes: number;
}

export interface Mirror {
  url: string;
  requests: MirrorRequest[];
  close(): Promise<void>;
}

export async function startMirror(files: MirrorFiles, faults: MirrorFaults = {}): Promise<Mirror> {
  const requests: MirrorRequest[] = [];
  const cutsLeft = new Map((faults.cut ?? []).map((c) => [c.path, { ...c }]));
  const stallsLeft = new Map((faults.stall ?? []).map((c) => [c.path, { ...c }]));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname.slice(1));
    const range = req.headers.range ?? null;
    const log = (status: number, bodyBytes: number) => requests.push({ path, range, status, bodyBytes });
    let body = files.get(path);
    if (!body || faults.notFound?.includes(path)) {
      log(404, 0);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found');
      return;
    }
    if (faults.corrupt?.includes(path)) {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    const short = faults.shorten?.find((f) => f.path === path);
    if (short) body = body.subarray(0, short.bytes);
    let start = 0;
    let status = 200;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    if (m && !faults.ignoreRange) {
      start = Number(m[1]);
      if (start >= body.length) {
        log(416, 0);
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      status = 206;
    }
    const slice = body.subarray(start);
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': slice.length,
      'accept-ranges': 'bytes',
    };
    if (status === 206) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(status, headers);
    const cut = cutsLeft.get(path);
    if (cut && cut.times > 0) {
      cut.times--;
      const n = Math.max(0, Math.min(cut.afterBytes - start, slice.length - 1));
      log(status, n);
      // Flush the first n bytes, give the client a moment to read them (a reset discards
      // what it has received but not read), then drop the connection mid-body.
      res.write(slice.subarray(0, n), () => setTimeout(() => res.socket?.destroy(), CUT_DELAY_MS));
      return;
    }
    const stall = stallsLeft.get(path);
    if (stall && stall.times > 0) {
      stall.times--;
      const n = Math.max(0, Math.min(stall.afterBytes - start, slice.length - 1));
      log(status, n);
      res.write(slice.subarray(0, n));
      return;
    }
    log(status, slice.length);
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
