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
  uploading?: boolean;
  error?: string;
}

/** Names an image by its file without extension, e.g. `dog_cat_composite`. */
export function exampleName(image: PickableImage): string {
  return (image.name ?? '').replace(/\.(png|jpe?g)$/i, '') || image.id.slice(0, 12);
}

/** The example gallery, plus a drop zone that is also a file picker (keyboard: Tab to it, Enter). */
export function ImagePicker(props: ImagePickerProps) {
  const [dragging, setDragging] = createSignal(false);

  const take = (files: FileList | null | undefined) => {
    const file = files?.[0];
    if (file) props.onUpload(file);
  };

  const thumb = (image: PickableImage) => (
    <li>
      <button
        type="button"
        class="thumb"
        aria-pressed={props.selectedId === image.id}
        title={exampleName(image)}
        data-example={exampleName(image)}
        onClick={() => props.onSelect(image.id)}
      >
        <img src={image.path} alt={exampleName(image)} width="64" height="64" loading="lazy" />
      </button>
    </li>
  );

  return (
    <fieldset class="image-picker" aria-describedby={props.error ? 'error-image' : undefined}>
      <legend>Image</legend>
      <ul class="gallery" aria-label="Example images">
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
          accept="image/png,image/jpeg"
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
              Drop a PNG or JPEG here, or <u>choose a file</u>
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
