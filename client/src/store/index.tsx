import { createContext, type ParentProps, useContext } from 'solid-js';
import { createChannelExamplesStore } from './create-channel-examples-store';
import { createChannelImagesStore } from './create-channel-images-store';
import { createLayerFlowStore } from './create-layer-flow-store';
import { createDraftStore } from './create-draft-store';
import { createHeatmapStore } from './create-heatmap-store';
import { createImagesStore } from './create-images-store';
import { createJobsStore } from './create-jobs-store';
import { createModelStore } from './create-model-store';
import { createPositionStore } from './create-position-store';
import { createGroupIconsStore } from './create-group-icons-store';
import { createLayerToLayerStore } from './create-layer-to-layer-store';
import { createRouter } from './router';
import { createWorkbench } from './create-workbench';

function createStores() {
  const draft = createDraftStore();
  const stores = {
    router: createRouter(),
    model: createModelStore(() => draft.draft.model),
    images: createImagesStore(() => draft.draft.model),
    draft,
    jobs: createJobsStore(draft),
    heatmaps: createHeatmapStore(),
    channelExamples: createChannelExamplesStore(),
    channelImages: createChannelImagesStore(),
    layerFlows: createLayerFlowStore(),
    positions: createPositionStore(),
    groupIcons: createGroupIconsStore(),
    layerToLayer: createLayerToLayerStore(),
  };
  // The pages' orchestration sits on the domain stores: the jobs on screen, their pictures and the detail panel.
  return { ...stores, workbench: createWorkbench(stores) };
}
export type Stores = ReturnType<typeof createStores>;

const StoreContext = createContext<Stores>();

/** One provider combines the domain stores (solid-realworld's `src/store/index.js`). Needs urql's Provider above it. */
export function StoreProvider(props: ParentProps) {
  return <StoreContext.Provider value={createStores()}>{props.children}</StoreContext.Provider>;
}

export function useStore(): Stores {
  const stores = useContext(StoreContext);
  if (!stores) throw new Error('useStore() needs <StoreProvider> above it.');
  return stores;
}
