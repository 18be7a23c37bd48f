import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../../server/workers/pool.js';
import { gqlData, gqlErrorCode, sseSubscribe, type GraphQLResponse } from '../helpers/graphql-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const RENDER = `mutation R($layer: String!, $size: Int, $steps: Int) { renderSpritemap(layer: $layer, size: $size, steps: $steps) { id status layer size steps channelsTotal } }`;
const PROGRESS = `subscription P($id: ID!) { spritemapProgress(id: $id) { id status channelsDone channelsTotal etaSeconds latestSprites { channel dataUrl activation } } }`;
const LAYER = `{ model { layers { name spritemap { url path size columns rows width height steps renderedChannels missingChannels cell(channel: 17) { column row x y activation } } } } }`;

let pool: EnginePool;
let srv: TestServer;

beforeAll(async () => {
  pool = await EnginePool.start({ size: 1, backend: 'onnx' });
  srv = await startTestServer(pool);
});
afterAll(async () => {
  await srv?.close();
  await pool?.close();
});

describe('spritemaps over GraphQL', () => {
  it('renderSpritemap streams progress with sprites, then Layer.spritemap serves the grid', async () => {
    const before = await gqlData(srv.url, LAYER);
    expect(before.model.layers.find((l: { name: string }) => l.name === 'mixed3a').spritemap).toBeNull();

    const { renderSpritemap: job } = await gqlData(srv.url, RENDER, { layer: 'mixed3a', size: 32, steps: 1 });
    expect(job).toMatchObject({ status: 'RUNNING', layer: 'mixed3a', size: 32, steps: 1, channelsTotal: 256 });

    const events: {
      status: string;
      channelsDone: number;
      etaSeconds: number | null;
      latestSprites: { channel: number; dataUrl: string }[];
    }[] = [];
    await sseSubscribe(srv.url, PROGRESS, { id: job.id }, (r: GraphQLResponse) => events.push(r.data.spritemapProgress));
    expect(events.at(-1)!.status).toBe('SUCCEEDED');
    expect(events.at(-1)!.channelsDone).toBe(256);
    const done = events.map((e) => e.channelsDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    const sprites = events.flatMap((e) => e.latestSprites);
    expect(sprites.length).toBeGreaterThan(0);
    expect(sprites[0].dataUrl).toMatch(/^data:image\/png;base64,/);
    expect(events.some((e) => e.etaSeconds !== null && e.etaSeconds > 0)).toBe(true);

    const { model } = await gqlData(srv.url, LAYER);
    const map = model.layers.find((l: { name: string }) => l.name === 'mixed3a').spritemap;
    expect(map).toMatchObject({
      size: 32,
      columns: 16,
      rows: 16,
      width: 512,
      height: 512,
      steps: 1,
      renderedChannels: 256,
      missingChannels: [],
    });
    expect(map.cell).toMatchObject({ column: 1, row: 1, x: 32, y: 32 });
    expect(map.cell.activation).toBeGreaterThan(0);
    const res = await fetch(`${srv.origin}${map.path}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([512, 512]);
    expect((await fetch(`${srv.origin}/spritemaps/mixed5b.png`)).status).toBe(404);
  });

  it('Layer.datasetExamples gives the best crops of the example images for a channel', async () => {
    const q = `{ layer(name: "mixed4d") { name datasetExamples(channel: 3, first: 3) { image { id url } activation x y size } } }`;
    const ex = (await gqlData(srv.url, q)).layer.datasetExamples;
    expect(ex.length).toBe(3);
    expect(ex[0].activation).toBeGreaterThanOrEqual(ex[1].activation);
    expect(ex[0].image.id).toMatch(/^example-/);
    expect(ex[0].size).toBe(182);
  });

  it('errors: unknown layer, bad size, unknown job', async () => {
    const code = async (q: string, v?: Record<string, unknown>) => (await gqlErrorCode(srv.url, q, v)).extensions?.code;
    expect(await code(RENDER, { layer: 'conv2d0' })).toBe('UNKNOWN_LAYER');
    expect(await code(RENDER, { layer: 'mixed4a', size: 31 })).toBe('BAD_ARGUMENT');
    expect(await code(`mutation { cancelSpritemap(id: "nope") { id } }`)).toBe('NOT_FOUND');
    expect(await code(`{ layer(name: "mixed4d") { datasetExamples(channel: 528) { x } } }`)).toBe('BAD_ARGUMENT');
    expect(await code(`{ layer(name: "mixed9") { name } }`)).toBe('UNKNOWN_LAYER');
  });
});
