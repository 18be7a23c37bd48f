import { createMutation, createQuery } from '@urql/solid';
import { createMemo, createSignal } from 'solid-js';
import { ClassesDocument, ImportModelDocument, ModelDocument, ModelsDocument, type ModelSummaryFieldsFragment } from '../gql/graphql';
import { errorMessage } from './field-errors';
import { modelUpload } from '../lib/model-upload';

/** A model's labels are fetched once (at most 1000, the schema's page): autocomplete then filters them locally, with no round trip per key. */
const CLASS_COUNT = 1000;

/** The built-in model's id: the default, and the model of every job stored before models could be imported. */
export const BUILTIN_MODEL = 'googlenet-bvlc';

/**
 * The models the server has, and the chosen one's description: layers for the layer picker,
 * labels for class autocomplete. Importing uploads a model's files and, once the server has
 * checked and stored it, lists it.
 */
export function createModelStore(selectedId: () => string) {
  const [models, refetchModels] = createQuery({ query: ModelsDocument });
  const [model] = createQuery({ query: ModelDocument, variables: () => ({ id: selectedId() }) });
  const [classes] = createQuery({ query: ClassesDocument, variables: () => ({ id: selectedId(), first: CLASS_COUNT }) });
  const [importing, importModel] = createMutation(ImportModelDocument);
  const [imported, setImported] = createSignal<ModelSummaryFieldsFragment[]>([]);
  const [importError, setImportError] = createSignal<string>();

  const list = createMemo(() => {
    const listed = models.data?.models ?? [];
    return [...listed, ...imported().filter((m) => !listed.some((l) => l.id === m.id))];
  });

  /** Uploads a model's files (its .onnx, and any of config.json, preprocessor_config.json, a labels file, external data); the new model, or undefined with `importError` set. */
  async function upload(files: readonly File[], id?: string): Promise<ModelSummaryFieldsFragment | undefined> {
    setImportError(undefined);
    const variables = modelUpload(files);
    if ('error' in variables) {
      setImportError(variables.error);
      return undefined;
    }
    const result = await importModel({ ...variables, id: id?.trim() || null });
    const added = result.data?.importModel;
    if (!added) {
      setImportError(result.error ? errorMessage(result.error) : 'The import failed.');
      return undefined;
    }
    setImported((l) => [...l, added]);
    refetchModels({ requestPolicy: 'network-only' });
    return added;
  }

  return {
    models: list,
    model: () => (model.data?.model.id === selectedId() ? model.data.model : undefined),
    layers: createMemo(() => (model.data?.model.id === selectedId() ? model.data.model.layers : [])),
    classes: createMemo(() => (classes.data?.model.id === selectedId() ? classes.data.model.classes : [])),
    error: () => model.error ?? classes.error ?? models.error,
    upload,
    importing: () => importing.fetching,
    importError,
    clearImportError: () => setImportError(undefined),
  };
}
export type ModelStore = ReturnType<typeof createModelStore>;
