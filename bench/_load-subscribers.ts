/**
 * The subscribers of bench/load.ts, in their own process so that their parsing never delays the
 * bench's latency probe: `node --import tsx bench/_load-subscribers.ts URL WS_URL IDS_JSON N`.
 * Half follow their job over SSE, half over graphql-ws (one socket each); jobs are dealt round
 * robin. Prints one JSON line: per subscriber, its transport, events and final status.
 */
import { sseSubscribe, wsClient, wsSubscribe } from '../test/server/helpers/graphql-client.js';

const [url, wsUrl, idsJson, n] = process.argv.slice(2);
const ids = JSON.parse(idsJson) as string[];
const QUERY = 'subscription ($id: ID!) { jobProgress(id: $id) { status stepsDone done top(first: 5) { channel value } } }';

interface Seen {
  transport: 'sse' | 'ws';
  jobId: string;
  events: number;
  final: string | null;
  error?: string;
}

const subscribers = Array.from({ length: Number(n) }, async (_, i): Promise<Seen> => {
  const jobId = ids[i % ids.length];
  const seen: Seen = { transport: i % 2 ? 'ws' : 'sse', jobId, events: 0, final: null };
  const onNext = (r: { data?: any; errors?: unknown[] }) => {
    seen.events++;
    const p = r.data?.jobProgress;
    if (p?.done) seen.final = p.status;
    if (r.errors) seen.error = JSON.stringify(r.errors);
  };
  try {
    if (seen.transport === 'sse') await sseSubscribe(url, QUERY, { id: jobId }, onNext);
    else {
      const client = wsClient(wsUrl);
      await wsSubscribe(client, QUERY, { id: jobId }, onNext);
      await client.dispose();
    }
  } catch (e) {
    seen.error = String((e as Error)?.message ?? e);
  }
  return seen;
});
process.stdout.write(`${JSON.stringify(await Promise.all(subscribers))}\n`);
