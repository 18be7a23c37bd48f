import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../server/workers/pool.js';
import { gql, gqlData, gqlErrorCode } from './helpers/graphql-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const START = `mutation ($input: AttributionInput!) { startAttribution(input: $input) { id input { steps rule tolerance } } }`;
const JOB = `query ($id: ID!) { job(id: $id) {
  status stepsDone stepsTotal settledAtStep settledAtMs
  result { stepsDone errors relativeError settled values top(first: 3) { channel value error } }
  history { stepsDone elapsedMs relativeError completenessGap rankStability settled values errors top(first: 2) { channel error } }
} }`;

let pool: EnginePool;
let srv: TestServer;
beforeAll(async () => {
  pool = await EnginePool.start({ size: 1 });
  srv = await startTestServer(pool);
});
afterAll(async () => {
  await srv?.close();
  await pool?.close();
});

const start = async (input: Record<string, unknown>) =>
  (await gqlData(srv.url, START, { input: { imageId: 'example-fruits', layer: 'mixed5a', class1: 'lemon', class2: 'orange', ...input } }))
    .startAttribution;

async function finished(id: string) {
  for (let i = 0; i < 2400; i++) {
    const job = (await gqlData(srv.url, JOB, { id })).job;
    if (job.status !== 'QUEUED' && job.status !== 'RUNNING') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job did not finish');
}

describe('convergence over the API', () => {
  it('a tolerance job stops when settled, and its history, errors and settled step are stored', async () => {
    const job = await start({ method: 'PATH', steps: 256, tolerance: 0.02 });
    expect(job.input).toEqual({ steps: 192, rule: 'SQUARED', tolerance: 0.02 });
    const done = await finished(job.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.stepsDone).toBeLessThan(192);
    expect(done.result.settled).toBe(true);
    expect(done.result.relativeError).toBeLessThanOrEqual(0.02);
    expect(done.result.errors).toHaveLength(done.result.values.length);
    expect(done.result.top[0].error).toBe(done.result.errors[done.result.top[0].channel]);
    // One history point per nested level, the last being the result.
    expect(done.history.map((p: any) => p.stepsDone)).toEqual([3, 6, 12, 24, 48, 96].filter((n) => n <= done.stepsDone));
    expect(done.history.at(-1).values).toEqual(done.result.values);
    expect(done.history.every((p: any) => typeof p.completenessGap === 'number')).toBe(true);
    const first = done.history.find((p: any) => p.settled);
    expect(done.settledAtStep).toBe(first.stepsDone);
    expect(done.settledAtMs).toBe(first.elapsedMs);
  });

  it('STOCHASTIC_PATH history has no completeness gap (it does not apply) but a falling relative error', async () => {
    const job = await start({ method: 'STOCHASTIC_PATH', steps: 32, chunkSteps: 8, seed: 3 });
    const done = await finished(job.id);
    expect(done.history.map((p: any) => p.stepsDone)).toEqual([8, 16, 24, 32]);
    expect(done.history.every((p: any) => p.completenessGap === null)).toBe(true);
    expect(done.history.at(-1).relativeError).toBeLessThan(done.history[0].relativeError);
  });

  it('a bad tolerance, or one with a rule that does not nest, is one BAD_ARGUMENT sentence and queues nothing', async () => {
    const before = (await gqlData(srv.url, '{ jobs(first: 100) { edges { node { id } } } }')).jobs.edges.length;
    for (const [input, pattern] of [
      [{ tolerance: 0 }, /tolerance must be a number between 0 and 1/],
      [{ tolerance: 1.5 }, /tolerance must be a number between 0 and 1/],
      [{ tolerance: 0.01, rule: 'GAUSS_LEGENDRE' }, /needs a rule whose points nest/],
    ] as const) {
      const e = await gqlErrorCode(srv.url, START, {
        input: { imageId: 'example-fruits', class1: 'lemon', class2: 'orange', method: 'PATH', ...input },
      });
      expect(e.extensions?.code).toBe('BAD_ARGUMENT');
      expect(e.message).toMatch(pattern);
    }
    const r = await gql(srv.url, '{ jobs(first: 100) { edges { node { id } } } }');
    expect(r.data.jobs.edges.length).toBe(before);
  });
});
