import { describe, expect, it } from 'vitest';
import { channelMaps } from '../../server/images/channel-maps.js';
import { gqlData, gqlErrorCode, sseSubscribe } from '../server/helpers/graphql-client.js';
import { sharedTestServer } from '../server/helpers/test-server.js';

const START = `mutation Start($input: AttributionInput!) { startAttribution(input: $input) { id } }`;
const PROGRESS = `subscription ($id: ID!) { jobProgress(id: $id) { stepsDone done status top(first: 3) { channel } bottom(first: 3) { channel }
  channelMaps(top: 3, bottom: 3, channels: [7, 0]) { height width maps { channel max cells } } } }`;

interface Event {
  stepsDone: number;
  done: boolean;
  status: string;
  top: { channel: number }[];
  bottom: { channel: number }[];
  channelMaps: { height: number; width: number; maps: { channel: number; max: number; cells: string }[] } | null;
}

const live = sharedTestServer();

describe('channelMaps: heatmaps travel with the snapshot', () => {
  it("every snapshot of a running job carries its top, bottom and asked-for channels' maps; the last one is the stored map's", async () => {
    const { startAttribution: job } = await gqlData(live.srv.url, START, {
      input: { imageId: 'example-dog_cat_composite', class1: 'Labrador retriever', class2: 'tiger cat', steps: 40, chunkSteps: 10 },
    });
    const events: Event[] = [];
    await sseSubscribe(live.srv.url, PROGRESS, { id: job.id }, (r) => events.push((r.data as { jobProgress: Event }).jobProgress));
    const snapshots = events.filter((e) => e.stepsDone > 0);
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    for (const e of snapshots) {
      expect(e.channelMaps).toMatchObject({ height: 14, width: 14 });
      const wanted = [...new Set([...e.top, ...e.bottom].map((c) => c.channel).concat([7, 0]))];
      expect(e.channelMaps!.maps.map((m) => m.channel)).toEqual(wanted);
      for (const m of e.channelMaps!.maps) expect(Buffer.from(m.cells, 'base64')).toHaveLength(196);
    }
    // The running maps change as steps accumulate.
    expect(new Set(snapshots.map((e) => e.channelMaps!.maps.find((m) => m.channel === 7)!.cells)).size).toBeGreaterThanOrEqual(2);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ done: true, status: 'SUCCEEDED' });
    const stored = (await live.srv.app.store.getSpatial(job.id))!;
    expect(last.channelMaps!.maps).toEqual(
      channelMaps(
        stored,
        last.channelMaps!.maps.map((m) => m.channel),
      ),
    );
  });

  it('asking for too many maps, or a channel outside the layer, is BAD_ARGUMENT', async () => {
    const { startAttribution: job } = await gqlData(live.srv.url, START, {
      input: { imageId: 'example-fruits', class1: 'lemon', class2: 'orange', method: 'SIMPLE' },
    });
    const q = (args: string) => `query ($id: ID!) { job(id: $id) { status result { channelMaps(${args}) { height } } } }`;
    const end = Date.now() + 60_000;
    while ((await gqlData(live.srv.url, q('top: 1'), { id: job.id })).job.status !== 'SUCCEEDED' && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    expect((await gqlData(live.srv.url, q('top: 1'), { id: job.id })).job.result.channelMaps).toEqual({ height: 14 });
    const many = await gqlErrorCode(live.srv.url, q('top: 65'), { id: job.id });
    expect(many.extensions?.code).toBe('BAD_ARGUMENT');
    expect(many.message).toMatch(/0\.\.64 maps each, got 65, 0, 0/);
    const outside = await gqlErrorCode(live.srv.url, q('channels: [528]'), { id: job.id });
    expect(outside.extensions?.code).toBe('BAD_ARGUMENT');
    expect(outside.message).toMatch(/Channel 528 is out of range/);
  });
});
