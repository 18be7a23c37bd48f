import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string; details?: any }; path?: string[] }[];
}

/** POST a GraphQL operation as JSON. */
export async function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

/** The data of an operation that must succeed. */
export async function gqlData<T = any>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await gql<T>(url, query, variables);
  if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data!;
}

/** The one error code of an operation that must fail. */
export async function gqlErrorCode(url: string, query: string, variables?: Record<string, unknown>) {
  const r = await gql(url, query, variables);
  if (!r.errors?.length) throw new Error(`expected an error, got ${JSON.stringify(r.data)}`);
  return r.errors[0];
}

/**
 * A subscription over SSE (Yoga's default transport): GET with `Accept: text/event-stream`.
 * Calls `onNext` for each result; resolves when the server completes the stream.
 */
export async function sseSubscribe(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  onNext: (r: GraphQLResponse) => void,
  signal?: AbortSignal,
): Promise<void> {
  const u = new URL(url);
  u.searchParams.set('query', query);
  u.searchParams.set('variables', JSON.stringify(variables));
  const res = await fetch(u, { headers: { accept: 'text/event-stream', 'x-graphql-yoga-csrf': '1' }, signal });
  if (!res.ok || !res.body) throw new Error(`SSE request failed: ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (event === 'complete') return;
      if (event === 'next' && data) onNext(JSON.parse(data));
    }
  }
}

export function wsClient(wsUrl: string): Client {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/** A subscription over graphql-ws; resolves when it completes, rejects on an error. */
export function wsSubscribe(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  onNext: (r: GraphQLResponse) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    client.subscribe({ query, variables }, { next: (r) => onNext(r as GraphQLResponse), error: reject, complete: resolve });
  });
}
