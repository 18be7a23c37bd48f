import { Show } from 'solid-js';
import { ImagePicker, exampleName } from '../components/ImagePicker';
import { JobForm } from '../components/JobForm';
import { ModelPicker } from '../components/ModelPicker';
import { Predictions } from '../components/Predictions';
import { useStore } from '../store';

/** The left column on every page but the history: the image, its predictions, and the job's inputs and actions. */
export function InputsAside() {
  const { images, model, draft, jobs, workbench } = useStore();
  return (
    <aside class="inputs" aria-label="Inputs">
      <ModelPicker
        models={model.models()}
        selectedId={draft.draft.model}
        onSelect={workbench.pickModel}
        onImport={workbench.importModel}
        importing={model.importing()}
        importError={model.importError()}
        error={draft.errors().model}
      />
      <ImagePicker
        examples={images.examples()}
        uploads={images.uploads()}
        selectedId={images.selectedId()}
        onSelect={workbench.pickImage}
        onUpload={workbench.uploadImage}
        onUploadMany={workbench.uploadImages}
        several={images.several()}
        onSeveral={images.setSeveral}
        pickedIds={images.pickedIds()}
        onToggle={workbench.toggleImage}
        onClear={images.clearPicked}
        uploading={images.uploading()}
        error={images.uploadError() ?? draft.errors().image ?? images.examplesError()}
      />
      <Show when={images.selected()}>
        {(image) => (
          <Predictions
            imageUrl={image().path}
            name={exampleName(image())}
            predictions={images.predictions() ?? []}
            error={images.predictionsError()}
          />
        )}
      </Show>
      <JobForm
        draft={draft.draft}
        onChange={draft.set}
        layers={model.layers()}
        classes={model.classes()}
        suggested={workbench.suggested()}
        errors={draft.errors()}
        busy={jobs.busy()}
        images={images.jobImageIds().length}
        cancellable={workbench.cancellable()}
        actionError={jobs.actionError()}
        onStart={workbench.start}
        onCompare={workbench.compare}
        onCancel={workbench.cancel}
      />
    </aside>
  );
}
