import type { AnyVariables, CombinedError, DocumentInput } from '@urql/core';
import { useClient } from '@urql/solid';
import { type Accessor, createEffect, createSignal, onCleanup } from 'solid-js';

/**
 * A GraphQL subscription folded into a plain signal: each result goes through `reduce` (the
 * previous value and the new data) and the signal holds what it returns, as it is. @urql/solid's
 * createSubscription reconciles every result into a store instead, walking the whole value each
 * time; for a job's progress (every snapshot's values kept for the chart) that walk grew with
 * every snapshot and took most of the page's script time while it watched a fast job.
 */
export function createPlainSubscription<Data, Variables extends AnyVariables, Value>(
  options: { query: DocumentInput<Data, Variables>; variables: Accessor<Variables>; pause: Accessor<boolean> },
  reduce: (previous: Value | undefined, data: Data) => Value,
): { data: Accessor<Value | undefined>; error: Accessor<CombinedError | undefined> } {
  const client = useClient();
  const [data, setData] = createSignal<Value | undefined>(undefined, { equals: false });
  const [error, setError] = createSignal<CombinedError | undefined>();
  createEffect(() => {
    if (options.pause()) return;
    const { unsubscribe } = client.subscription(options.query, options.variables()).subscribe((result) => {
      if (result.data !== undefined && result.data !== null) setData((previous) => reduce(previous, result.data as Data));
      setError(result.error);
    });
    onCleanup(unsubscribe);
  });
  return { data, error };
}
