import { createMutation, createQuery } from '@urql/solid';
import { createMemo, createSignal } from 'solid-js';
import {
  ExamplesDocument,
  ImageDocument,
  type ImageFieldsFragment,
  PredictionsDocument,
  UploadImageDocument,
  UploadImagesDocument,
} from '../gql/graphql';
import { fieldErrors } from './field-errors';
import { BUILTIN_MODEL } from './create-model-store';

/** Most files named in an upload's message before "and N more". */
const NAMED_REJECTS = 5;

/**
 * Example images, uploads, and the image a job is about (with the chosen model's top-5 predictions for it). In the
 * "several images" mode the gallery picks a set (in the order picked) for one job over all of them;
 * the last image picked is still the `selected` one whose predictions the page shows.
 */
export function createImagesStore(model: () => string) {
  const [examples] = createQuery({ query: ExamplesDocument });
  const [uploads, setUploads] = createSignal<ImageFieldsFragment[]>([]);
  const [selectedId, setSelectedId] = createSignal<string>();
  const [uploadError, setUploadError] = createSignal<string>();
  const [several, setSeveral] = createSignal(false);
  const [pickedIds, setPickedIds] = createSignal<string[]>([]);

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

  const addUploads = (images: readonly ImageFieldsFragment[]) =>
    setUploads((list) => [...images, ...list.filter((i) => !images.some((n) => n.id === i.id))]);

  const [uploading, uploadImage] = createMutation(UploadImageDocument);
  async function upload(file: File) {
    setUploadError(undefined);
    const result = await uploadImage({ file });
    const image = result.data?.uploadImage;
    if (image) {
      addUploads([image]);
      setSelectedId(image.id);
      if (several()) setPickedIds((ids) => [...ids.filter((i) => i !== image.id), image.id]);
    } else {
      const errors = fieldErrors(result.error);
      setUploadError(errors.image ?? errors.form ?? 'The upload failed.');
    }
    return image;
  }

  // Several files, or a zip: one `uploadImages` call; each file is checked alone, and the bad
  // ones are named without losing the good ones, which join the picked set.
  const [uploadingMany, uploadImages] = createMutation(UploadImagesDocument);
  async function uploadMany(files: readonly File[]) {
    setUploadError(undefined);
    const result = await uploadImages({ files: [...files] });
    const batch = result.data?.uploadImages;
    if (!batch) {
      const errors = fieldErrors(result.error);
      setUploadError(errors.image ?? errors.form ?? 'The upload failed.');
      return undefined;
    }
    const { images, rejected } = batch;
    if (images.length) {
      addUploads(images);
      setSeveral(true);
      setPickedIds((ids) => [...ids.filter((i) => !images.some((n) => n.id === i)), ...images.map((i) => i.id)]);
      setSelectedId(images[images.length - 1].id);
    }
    if (rejected.length) {
      const named = rejected
        .slice(0, NAMED_REJECTS)
        .map((r) => `${r.name} (${r.message})`)
        .join('; ');
      const more = rejected.length > NAMED_REJECTS ? `, and ${rejected.length - NAMED_REJECTS} more` : '';
      setUploadError(
        `${images.length} image${images.length === 1 ? '' : 's'} stored; ${rejected.length} file${rejected.length === 1 ? ' was' : 's were'} not: ${named}${more}.`,
      );
    }
    return batch;
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
    /** Whether the gallery picks a set of images for one job. */
    several,
    setSeveral: (on: boolean) => {
      setSeveral(on);
      // The image shown so far starts the set.
      if (on && pickedIds().length === 0 && selectedId()) setPickedIds([selectedId()!]);
    },
    /** The images picked for one job, in the order picked. */
    pickedIds,
    /** Adds the image to the set, or takes it out. */
    toggle: (id: string) => {
      setUploadError(undefined);
      const on = !pickedIds().includes(id);
      setPickedIds((ids) => (on ? [...ids, id] : ids.filter((i) => i !== id)));
      if (on) setSelectedId(id);
    },
    clearPicked: () => setPickedIds([]),
    /** A reopened job over several images puts its set back. */
    pickSet: (ids: readonly string[]) => {
      setSeveral(ids.length > 1);
      setPickedIds(ids.length > 1 ? [...ids] : []);
    },
    /** The images a job started now would run on. */
    jobImageIds: () => (several() && pickedIds().length ? pickedIds() : selectedId() ? [selectedId()!] : []),
    upload,
    uploadMany,
    uploading: () => uploading.fetching || uploadingMany.fetching,
    uploadError,
  };
}
export type ImagesStore = ReturnType<typeof createImagesStore>;
