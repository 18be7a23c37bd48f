import { Client, fetchExchange, subscriptionExchange } from '@urql/solid';
import { createClient as createWsClient } from 'graphql-ws';

/**
 * The one urql client. Queries and mutations go over HTTP (multipart for uploads), subscriptions
 * over graphql-ws on the same `/graphql` path. No document cache: every view shows live job
 * state, and the few static queries (model, examples) are held by their stores.
 */
export function createApiClient(origin: string = window.location.origin): Client {
  const url = new URL('/graphql', origin);
  const ws = createWsClient({
    url: url.href.replace(/^http/, 'ws'),
    lazy: true,
    // A dropped socket (server restart, laptop sleep) reconnects; the API resends the latest snapshot.
    retryAttempts: Infinity,
    shouldRetry: () => true,
  });
  return new Client({
    url: url.href,
    // Yoga's CSRF prevention lets a multipart upload through only with this header.
    fetchOptions: { headers: { 'x-graphql-yoga-csrf': 'dashboard' } },
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
