import { Show } from 'solid-js';
import { LayerSpritesPanel } from '../components/LayerSpritesPanel';
import { useStore } from '../store';
import { errorMessage } from '../store/field-errors';

/** How many of the job layer's channel pictures exist, with the button that renders the rest (job and compare pages). */
export function LayerSpritesSection() {
  const { workbench } = useStore();
  const sprites = workbench.sprites;
  return (
    <Show when={workbench.spriteLayer() && sprites.ready() && sprites.channels() > 0}>
      <LayerSpritesPanel
        layer={workbench.spriteLayer()!}
        rendered={sprites.rendered()}
        channels={sprites.channels()}
        rendering={sprites.layerRendering()}
        etaSeconds={sprites.etaSeconds()}
        error={sprites.error() ? errorMessage(sprites.error()!) : undefined}
        onRenderLayer={workbench.renderLayerSprites}
      />
    </Show>
  );
}
