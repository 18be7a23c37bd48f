import { builder } from './builder.js';
import './model.js';
import './image.js';
import './attribution-job.js';
import './job-connection.js';
import './attribution-progress.js';
import './spritemap.js';
import './spritemap-job.js';
import './channel-sprite.js';
import './dataset-example.js';
import './neuron-groups.js';
import './semantic-dictionary.js';
import './spatial-attribution.js';
import './layer-to-layer-attribution.js';

/** The public contract. `npm run schema:print` writes it to schema/schema.graphql. */
export const schema = builder.toSchema({ sortSchema: false });
