import { createMutation, createQuery } from '@urql/solid';
import { createMemo, createSignal } from 'solid-js';
import { ExamplesDocument, ImageDocument, type ImageFieldsFragment, PredictionsDocument, UploadImageDocument } from '../gql/graphql';
import { fieldErrors } from './field-errors';
import { BUILTIN_MODEL } from './create-model-store';

/** Example images, uploads, and the image a job is about, with the chosen model's top-5 predictions for it. */
export function createImagesStore(model: () => string) {
  const [examples] = createQuery({ query: ExamplesDocument });
  const [uploads, setUploads] = createSignal<ImageFieldsFragment[]>([]);
  const [selectedId, setSelectedId] = createSignal<string>();
  const [uploadError, setUploadError] = createSignal<string>();

  const known = createMemo(() => [...uploads(), ...(examples.data?.examples ?? [])]);
  const knownById = (id: string | undefined) => known().find((i) => i.id === id);
  // An image neither listed nor uploaded here (a job reopened by URL) is fetched by id.
  const [fetched] = createQuery({
    query: ImageDocument,
    variables: () => ({ id: selectedId() ?? '' }),
    pause: () => !selectedId() || knownById(selectedId()) !== undefined,
  });
  const selected = createMemo(() => knownById(selectedId()) ?? fetched.data?.image ?? undefined);
  // The listed images carry the built-in model's predictions; any other model's are asked for.
  const [modelPredictions] = createQuery({
    query: PredictionsDocument,
    variables: () => ({ id: selectedId() ?? '', model: model() }),
    pause: () => !selectedId() || model() === BUILTIN_MODEL,
  });
  const predictions = createMemo(() => {
    const image = selected();
    if (!image) return undefined;
    if (model() === BUILTIN_MODEL) return image.predictions;
    const d = modelPredictions.data?.image;
    return d && d.id === image.id && !modelPredictions.stale ? d.predictions : undefined;
  });

  const [uploading, uploadImage] = createMutation(UploadImageDocument);
  async function upload(file: File) {
    setUploadError(undefined);
    const result = await uploadImage({ file });
    const image = result.data?.uploadImage;
    if (image) {
      setUploads((list) => [image, ...list.filter((i) => i.id !== image.id)]);
      setSelectedId(image.id);
    } else {
      const errors = fieldErrors(result.error);
      setUploadError(errors.image ?? errors.form ?? 'The upload failed.');
    }
    return image;
  }

  return {
    examples: () => examples.data?.examples ?? [],
    examplesError: () => examples.error?.message,
    uploads,
    selectedId,
    select: (id: string | undefined) => {
      setUploadError(undefined);
      setSelectedId(id);
    },
    selected,
    /** The chosen model's top-5 predictions for the selected image; undefined while they load. */
    predictions,
    predictionsError: () => modelPredictions.error?.message,
    upload,
    uploading: () => uploading.fetching,
    uploadError,
  };
}
export type ImagesStore = ReturnType<typeof createImagesStore>;
