import { createSignal, For, Show } from 'solid-js';
import { FieldError } from './FieldError';

export interface PickableModel {
  id: string;
  name: string;
  builtin: boolean;
  classCount: number;
  layers: readonly unknown[];
}

export interface ModelPickerProps {
  models: readonly PickableModel[];
  selectedId: string;
  onSelect: (id: string) => void;
  /** Uploads the picked files (a bare .onnx, or the files of an exported folder), with an id when one was typed. */
  onImport: (files: readonly File[], id?: string) => Promise<unknown>;
  importing?: boolean;
  /** Why the last import failed (the server's check, in its words). */
  importError?: string;
  /** A start error about the model (UNKNOWN_MODEL). */
  error?: string;
}

const describe = (m: PickableModel) =>
  m.builtin ? `${m.name} (built-in)` : `${m.id} (${m.layers.length} layers, ${m.classCount} classes)`;

/**
 * The model jobs run on, and "Import a model…": the .onnx of an exported classifier, or all the
 * files of its folder (config.json, preprocessor_config.json, a labels file), uploaded to the
 * server, which checks it as the engine does and lists it once stored. Its error stays beside
 * the control that caused it.
 */
export function ModelPicker(props: ModelPickerProps) {
  const [files, setFiles] = createSignal<File[]>([]);
  const [id, setId] = createSignal('');
  const [open, setOpen] = createSignal(false);
  const take = (list: FileList | null) => setFiles(list ? [...list] : []);
  const submit = async () => {
    const done = await props.onImport(files(), id());
    if (done) {
      setFiles([]);
      setId('');
      setOpen(false);
    }
  };

  return (
    <div class="model-picker">
      <div class="field">
        <label for="model">Model</label>
        <select
          id="model"
          aria-describedby={props.error ? 'error-model' : undefined}
          onChange={(e) => props.onSelect(e.currentTarget.value)}
          data-testid="model-select"
        >
          <Show when={!props.models.some((m) => m.id === props.selectedId)}>
            <option value={props.selectedId} selected>
              {props.selectedId}
            </option>
          </Show>
          <For each={props.models}>
            {(m) => (
              <option value={m.id} selected={m.id === props.selectedId}>
                {describe(m)}
              </option>
            )}
          </For>
        </select>
        <FieldError id="error-model" message={props.error} />
      </div>
      <details class="import-model" open={open()} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>Import a model…</summary>
        <form
          aria-label="Import a model"
          novalidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <p class="hint">
            An ONNX image classifier: its <code>.onnx</code>, with the <code>config.json</code>, <code>preprocessor_config.json</code> or
            labels file of its folder if you have them (as <code>optimum-cli export onnx</code> or <code>torch.onnx.export</code> writes
            it).
          </p>
          <div class="field">
            <label for="model-files">Model files</label>
            <input
              id="model-files"
              type="file"
              multiple
              accept=".onnx,.json,.txt,.data,.onnx_data,.bin"
              aria-describedby={props.importError ? 'error-import' : undefined}
              data-testid="model-files"
              onChange={(e) => take(e.currentTarget.files)}
            />
          </div>
          <div class="field">
            <label for="model-id">Id (optional)</label>
            <input
              id="model-id"
              type="text"
              placeholder="default: the .onnx file's name"
              value={id()}
              pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
              onInput={(e) => setId(e.currentTarget.value)}
            />
          </div>
          <Show when={files().length}>
            <p class="hint" data-testid="model-files-chosen">
              {files()
                .map((f) => f.name)
                .join(', ')}
            </p>
          </Show>
          <button type="submit" disabled={props.importing || files().length === 0} data-testid="import-model">
            {props.importing ? 'Importing…' : 'Import'}
          </button>
          <FieldError id="error-import" message={props.importError} />
        </form>
      </details>
    </div>
  );
}
