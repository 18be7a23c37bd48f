import { createSignal, For, Show } from 'solid-js';
import { FieldError } from './FieldError';

export interface PickableImage {
  id: string;
  /** Served by the API, relative to its origin. */
  path: string;
  name?: string | null;
}

export interface ImagePickerProps {
  examples: readonly PickableImage[];
  uploads: readonly PickableImage[];
  selectedId?: string;
  onSelect: (id: string) => void;
  onUpload: (file: File) => void;
  /** Several files, or a zip archive: one batch upload, the images join the picked set. */
  onUploadMany: (files: File[]) => void;
  /** Picking a set of images for one job rather than one image. */
  several: boolean;
  onSeveral: (on: boolean) => void;
  /** The set, in the order picked. */
  pickedIds: readonly string[];
  onToggle: (id: string) => void;
  onClear: () => void;
  uploading?: boolean;
  error?: string;
}

/** Names an image by its file without extension, e.g. `dog_cat_composite`. */
export function exampleName(image: PickableImage): string {
  return (image.name ?? '').replace(/\.(png|jpe?g)$/i, '') || image.id.slice(0, 12);
}

const isZip = (f: File) => /\.zip$/i.test(f.name) || f.type === 'application/zip' || f.type === 'application/x-zip-compressed';

/**
 * The example gallery, plus a drop zone that is also a file picker (keyboard: Tab to it, Enter).
 * "Several images" turns the gallery into a set (each thumbnail a toggle) for one job over all of
 * them; several files or a zip dropped or chosen go up in one batch and join the set.
 */
export function ImagePicker(props: ImagePickerProps) {
  const [dragging, setDragging] = createSignal(false);

  const take = (list: FileList | null | undefined) => {
    const files = [...(list ?? [])];
    if (files.length === 1 && !isZip(files[0])) props.onUpload(files[0]);
    else if (files.length) props.onUploadMany(files);
  };
  const picked = (id: string) => (props.several ? props.pickedIds.includes(id) : props.selectedId === id);

  const thumb = (image: PickableImage) => (
    <li>
      <button
        type="button"
        class="thumb"
        aria-pressed={picked(image.id)}
        title={exampleName(image)}
        data-example={exampleName(image)}
        onClick={() => (props.several ? props.onToggle(image.id) : props.onSelect(image.id))}
      >
        <img src={image.path} alt={exampleName(image)} width="64" height="64" loading="lazy" />
      </button>
    </li>
  );

  return (
    <fieldset class="image-picker" aria-describedby={props.error ? 'error-image' : undefined}>
      <legend>{props.several ? 'Images' : 'Image'}</legend>
      <div class="several-images">
        <div class="field checkbox">
          <input
            id="severalImages"
            type="checkbox"
            checked={props.several}
            onChange={(e) => props.onSeveral(e.currentTarget.checked)}
            aria-describedby={props.several ? 'picked-count' : undefined}
          />
          <label for="severalImages">Several images (one job, the mean over them)</label>
        </div>
        <Show when={props.several}>
          <p class="field-note" id="picked-count" role="status" data-testid="picked-count">
            {props.pickedIds.length} image{props.pickedIds.length === 1 ? '' : 's'} picked
            <Show when={props.pickedIds.length}>
              {' '}
              <button type="button" class="link" onClick={() => props.onClear()}>
                clear
              </button>
            </Show>
          </p>
        </Show>
      </div>
      <ul class="gallery" aria-label={props.several ? 'Images to pick from (each a toggle)' : 'Example images'}>
        <For each={props.uploads}>{thumb}</For>
        <For each={props.examples}>{thumb}</For>
      </ul>
      <label
        class="dropzone"
        classList={{ dragging: dragging() }}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          take(e.dataTransfer?.files);
        }}
      >
        <input
          type="file"
          accept="image/png,image/jpeg,.zip,application/zip"
          multiple
          class="visually-hidden"
          data-testid="upload-input"
          onChange={(e) => {
            take(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
        <Show
          when={props.uploading}
          fallback={
            <span>
              Drop PNG or JPEG files (or a zip) here, or <u>choose files</u>
            </span>
          }
        >
          <span>Uploading…</span>
        </Show>
      </label>
      <FieldError id="error-image" message={props.error} />
    </fieldset>
  );
}
