import { createQuery } from '@urql/solid';
import { createMemo } from 'solid-js';
import { ClassesDocument, ModelDocument } from '../gql/graphql';

/** Every ImageNet label is fetched once: autocomplete then filters 1000 names locally, with no round trip per key. */
const CLASS_COUNT = 1000;

/** The model description: layers for the layer picker, labels for class autocomplete. */
export function createModelStore() {
  const [model] = createQuery({ query: ModelDocument });
  const [classes] = createQuery({ query: ClassesDocument, variables: { first: CLASS_COUNT } });
  const layers = createMemo(() => model.data?.model.layers ?? []);
  return {
    model: () => model.data?.model,
    layers,
    classes: createMemo(() => classes.data?.model.classes ?? []),
    error: () => model.error ?? classes.error,
  };
}
export type ModelStore = ReturnType<typeof createModelStore>;
