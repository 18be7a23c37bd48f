import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_BYTES } from '../../server/engine/images.js';
import { MAX_REQUEST_BYTES } from '../../server/errors/request-errors.js';
import { gql, gqlData, gqlErrorCode, sseSubscribe, type GraphQLResponse } from './helpers/graphql-client.js';
import { SHARED_IMAGES, sharedTestServer, startTestServer } from './helpers/test-server.js';

const START = `mutation Start($input: AttributionInput!) { startAttribution(input: $input) { id status } }`;
const UPLOAD = `mutation Upload($u: String) { uploadImage(dataUrl: $u) { id } }`;
const dataUrl = (bytes: Uint8Array, mime = 'image/png') => `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
const input = (extra: Record<string, unknown>) => ({
  input: { imageId: 'example-dog_cat_composite', class1: 'Labrador retriever', class2: 'tiger cat', steps: 10, ...extra },
});

const live = sharedTestServer();

async function multipartUpload(bytes: Uint8Array, headers: Record<string, string> = { 'x-graphql-yoga-csrf': '1' }) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: 'mutation ($f: File) { uploadImage(file: $f) { id } }', variables: { f: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.f'] }));
  form.set('0', new Blob([bytes as Uint8Array<ArrayBuffer>]), 'x.png');
  const res = await fetch(live.srv.url, { method: 'POST', body: form, headers });
  return { status: res.status, body: (await res.json()) as GraphQLResponse };
}

describe('error codes (docs/api.md, "Errors")', () => {
  it('BAD_IMAGE: not an image, 0 bytes, over 10 MB, over 4096 px a side, undecodable', async () => {
    const text = await gqlErrorCode(live.srv.url, UPLOAD, { u: dataUrl(Buffer.from('hello, not an image'), 'text/plain') });
    expect(text.extensions?.code).toBe('BAD_IMAGE');
    expect(text.message).toMatch(/not a PNG or JPEG/);

    const empty = await gqlErrorCode(live.srv.url, UPLOAD, { u: 'data:image/png;base64,' });
    expect(empty.extensions?.code).toBe('BAD_IMAGE');
    expect(empty.message).toMatch(/0 bytes/);

    const png = readFileSync(join(SHARED_IMAGES, '224', 'coffee.png'));
    const huge = Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024)]);
    const big = await multipartUpload(huge);
    expect(big.body.errors?.[0].extensions?.code).toBe('BAD_IMAGE');
    expect(big.body.errors?.[0].message).toMatch(/10 MB/);

    const wide = PNG.sync.write(Object.assign(new PNG({ width: 4097, height: 2 }), {}));
    const tooWide = await gqlErrorCode(live.srv.url, UPLOAD, { u: dataUrl(wide) });
    expect(tooWide.extensions?.code).toBe('BAD_IMAGE');
    expect(tooWide.message).toMatch(/4097x2.*4096/);

    // A valid header over garbage: only the decoder (in a worker) can tell.
    const truncated = png.subarray(0, 200);
    const broken = await gqlErrorCode(live.srv.url, UPLOAD, { u: dataUrl(truncated) });
    expect(broken.extensions?.code).toBe('BAD_IMAGE');
  });

  it('BAD_IMAGE with the limit for a request over MAX_REQUEST_BYTES (30 MB), as multipart or a data URL; HTTP 413', async () => {
    const png = readFileSync(join(SHARED_IMAGES, '224', 'coffee.png'));
    const thirty = Buffer.concat([png, Buffer.alloc(30 * 1024 * 1024)]);
    const multipart = await multipartUpload(thirty);
    expect(multipart.status).toBe(413);
    expect(multipart.body.errors).toEqual([
      {
        message: 'The request is larger than 15 MB, the most one request may carry: an image may be at most 10 MB.',
        extensions: { code: 'BAD_IMAGE' },
      },
    ]);
    const res = await fetch(live.srv.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: UPLOAD, variables: { u: dataUrl(thirty) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as GraphQLResponse).errors?.[0].extensions?.code).toBe('BAD_IMAGE');
    // The largest image allowed still fits as a data URL.
    expect(MAX_REQUEST_BYTES).toBeGreaterThan(Math.ceil(MAX_IMAGE_BYTES / 3) * 4 + 1000);
  });

  it('BAD_IMAGE in one sentence for a truncated PNG, and for a PNG whose header promises rows its data lacks', async () => {
    const png = readFileSync(join(SHARED_IMAGES, '224', 'coffee.png'));
    const cut = await gqlErrorCode(live.srv.url, UPLOAD, { u: dataUrl(png.subarray(0, png.length >> 1)) });
    expect(cut.extensions?.code).toBe('BAD_IMAGE');
    expect(cut.message).toMatch(
      /^The PNG file is cut short: it ends at byte \d+, inside its IDAT chunk, which needs \d+ more bytes; upload the whole file\.$/,
    );
    // A whole 6x4 PNG whose IHDR is then rewritten to say 6x9 (CRC fixed, so only the row count is wrong).
    const tall = Buffer.from(PNG.sync.write(new PNG({ width: 6, height: 4 })));
    tall.writeUInt32BE(9, 20);
    tall.writeUInt32BE(crc32(tall.subarray(12, 29)), 29);
    const rows = await gqlErrorCode(live.srv.url, UPLOAD, { u: dataUrl(tall) });
    expect(rows.extensions?.code).toBe('BAD_IMAGE');
    expect(rows.message).toBe(
      "The PNG's header says 6x9, but its pixel data holds only 4 of the 9 rows; the file is damaged or was written incompletely.",
    );
  });

  it('UNKNOWN_CLASS for an empty class string; leaving the class out still means none', async () => {
    const e = await gqlErrorCode(live.srv.url, START, input({ class1: '' }));
    expect(e.extensions?.code).toBe('UNKNOWN_CLASS');
    expect(e.message).toMatch(/^The class is empty/);
    expect((await gqlErrorCode(live.srv.url, START, input({ class2: '  ' }))).extensions?.code).toBe('UNKNOWN_CLASS');
    const { startAttribution } = await gqlData(
      live.srv.url,
      `mutation ($input: AttributionInput!) { startAttribution(input: $input) { id input { class2Label } } }`,
      input({ class2: null, steps: 1 }),
    );
    expect(startAttribution.input.class2Label).toBe('none');
  });

  it("BAD_REQUEST in one sentence for a body that is not JSON, without the parser's originalError", async () => {
    for (const [body, cause] of [
      ['{ not json', "Expected property name or '}' in JSON at position 2"],
      ['hello', "Unexpected token 'h'"],
    ]) {
      const res = await fetch(live.srv.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as GraphQLResponse).errors).toEqual([
        {
          message: `The request body is not valid JSON (${cause}): send {"query": "...", "variables": {...}} with Content-Type: application/json.`,
          extensions: { code: 'BAD_REQUEST' },
        },
      ]);
    }
  });

  it('BAD_ARGUMENT for other out-of-range arguments', async () => {
    expect((await gqlErrorCode(live.srv.url, 'mutation { uploadImage { id } }')).extensions?.code).toBe('BAD_ARGUMENT');
    expect((await gqlErrorCode(live.srv.url, '{ jobs(first: 0) { nodes { id } } }')).extensions?.code).toBe('BAD_ARGUMENT');
    expect((await gqlErrorCode(live.srv.url, START, input({ topK: 529 }))).extensions?.code).toBe('BAD_ARGUMENT');
  });

  it('UNKNOWN_LAYER lists the valid layers', async () => {
    const e = await gqlErrorCode(live.srv.url, START, input({ layer: 'mixed9z' }));
    expect(e.extensions?.code).toBe('UNKNOWN_LAYER');
    expect(e.extensions?.details.valid).toContain('mixed4d');
    expect(e.extensions?.details.valid).toHaveLength(9);
  });

  it('UNKNOWN_CLASS gives the 5 nearest names', async () => {
    const e = await gqlErrorCode(live.srv.url, START, input({ class1: 'Labrador retreiver' }));
    expect(e.extensions?.code).toBe('UNKNOWN_CLASS');
    expect(e.extensions?.details.nearest).toHaveLength(5);
    expect(e.extensions?.details.nearest[0]).toBe('Labrador retriever');
  });

  it('BAD_STEPS outside 1..2000', async () => {
    for (const steps of [0, 2001, -5]) {
      const e = await gqlErrorCode(live.srv.url, START, input({ steps }));
      expect(e.extensions?.code, `steps ${steps}`).toBe('BAD_STEPS');
    }
    const ok = await gqlData(
      live.srv.url,
      `mutation ($input: AttributionInput!) { startAttribution(input: $input) { id } cancel: startAttribution(input: $input) { id } }`,
      input({ steps: 2000 }),
    );
    for (const job of [ok.startAttribution, ok.cancel])
      await gqlData(live.srv.url, `mutation ($id: ID!) { cancelJob(id: $id) { status } }`, { id: job.id });
  });

  it('NOT_FOUND for an unknown image or job, over HTTP, SSE and graphql-ws; null from the nullable lookups', async () => {
    expect((await gqlErrorCode(live.srv.url, START, input({ imageId: 'upload-000000000000000000000000' }))).extensions?.code).toBe(
      'NOT_FOUND',
    );
    expect((await gqlErrorCode(live.srv.url, `mutation { cancelJob(id: "nope") { id } }`)).extensions?.code).toBe('NOT_FOUND');
    expect(await gqlData(live.srv.url, `{ job(id: "nope") { id } image(id: "nope") { id } }`)).toEqual({ job: null, image: null });

    const sse: GraphQLResponse[] = [];
    await sseSubscribe(live.srv.url, `subscription { jobProgress(id: "nope") { done } }`, {}, (r) => sse.push(r));
    expect(sse[0].errors?.[0].extensions?.code).toBe('NOT_FOUND');

    const client = createClient({ url: live.srv.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const ws = await new Promise<GraphQLResponse>((resolve, reject) =>
      client.subscribe(
        { query: `subscription { jobProgress(id: "nope") { done } }` },
        { next: (r) => resolve(r as GraphQLResponse), error: reject, complete: () => undefined },
      ),
    );
    await client.dispose();
    expect(ws.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('QUEUE_FULL when MAX_QUEUED jobs wait; compareMethods is all or none', async () => {
    const small = await startTestServer(live.pool, { maxQueued: 1, concurrency: 1 });
    try {
      const start = (steps: number) => gql(small.url, START, input({ steps }));
      const running = (await start(2000)).data!.startAttribution;
      const queued = (await start(2000)).data!.startAttribution;
      expect(queued.status).toBe('QUEUED');
      const full = await start(10);
      expect(full.errors?.[0].extensions?.code).toBe('QUEUE_FULL');
      const cancel = (id: string) => gqlData(small.url, `mutation ($id: ID!) { cancelJob(id: $id) { status } }`, { id });
      expect((await cancel(queued.id)).cancelJob.status).toBe('CANCELLED');
      // One slot is free, but compareMethods needs three: nothing is queued.
      const compare = await gql(
        small.url,
        `mutation { compareMethods(input: { imageId: "example-dog_cat_composite", class1: "Labrador retriever" }) { id } }`,
      );
      expect(compare.errors?.[0].extensions?.code).toBe('QUEUE_FULL');
      const { jobs } = await gqlData(small.url, `{ jobs(first: 10) { nodes { id status } } }`);
      expect(jobs.nodes).toHaveLength(2);
      expect((await cancel(running.id)).cancelJob.status).toBe('CANCELLED');
    } finally {
      await small.close();
    }
  });

  it('caps query cost, lets introspection through, and masks nothing it should not', async () => {
    const costly = await gqlErrorCode(live.srv.url, `{ jobs(first: 100) { nodes { result { top(first: 4096) { channel } } } } }`);
    expect(costly.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(costly.message).toMatch(/complexity/);
    // GraphiQL and codegen introspect with deeply nested ofType selections.
    const intro = await gqlData(
      live.srv.url,
      `{ __schema { types { name fields { name type { kind ofType { kind ofType { kind ofType { kind ofType { name } } } } } } } } }`,
    );
    expect(intro.__schema.types.length).toBeGreaterThan(20);
    const bad = await gql(live.srv.url, `{ model { nope } }`);
    expect(bad.errors?.[0].message).toMatch(/Cannot query field "nope"/);
  });

  it('keeps CSRF prevention on: GET and multipart requests need the header', async () => {
    const get = await fetch(`${live.srv.url}?query=${encodeURIComponent('{ model { name } }')}`);
    expect(get.status).toBe(403);
    const withHeader = await fetch(`${live.srv.url}?query=${encodeURIComponent('{ model { name } }')}`, {
      headers: { 'x-graphql-yoga-csrf': '1' },
    });
    expect(withHeader.status).toBe(200);
    const multipart = await multipartUpload(readFileSync(join(SHARED_IMAGES, '224', 'coffee.png')), {});
    expect(multipart.status).toBe(403);
  });

  it('answers /health with OK afterwards', async () => {
    const res = await fetch(`${live.srv.origin}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', model: 'googlenet-bvlc', queue: { maxQueued: 100 } });
    expect((await gqlData(live.srv.url, `{ model { name } }`)).model.name).toBe('googlenet-bvlc');
  });
});
