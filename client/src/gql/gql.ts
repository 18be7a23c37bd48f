/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment AttributionEstimateFields on AttributionEstimate {\n  stepsDone\n  stepsTotal\n  values\n  completenessGap\n  errors\n  relativeError\n  settled\n  rankStability\n  elapsedMs\n  etaMs\n  top(first: $topK) {\n    ...ChannelScoreFields\n  }\n  bottom(first: $topK) {\n    ...ChannelScoreFields\n  }\n  groups {\n    ...NeuronGroupsFields\n  }\n  channelMaps(top: $topK, bottom: $topK, channels: $mapChannels) {\n    ...ChannelMapsFields\n  }\n  layers {\n    ...LayerEstimateFields\n  }\n  images {\n    total\n    done\n  }\n}": typeof types.AttributionEstimateFieldsFragmentDoc,
    "mutation CancelJob($id: ID!) {\n  cancelJob(id: $id) {\n    ...JobSummaryFields\n  }\n}": typeof types.CancelJobDocument,
    "query ChannelExamples($layer: String!, $model: ID, $channel: Int!) {\n  layer(name: $layer, model: $model) {\n    name\n    datasetExamples(channel: $channel, first: 4) {\n      activation\n      x\n      y\n      size\n      image {\n        id\n        path\n      }\n    }\n  }\n}": typeof types.ChannelExamplesDocument,
    "query ChannelImages($jobId: ID!, $layer: String!, $channel: Int!, $direction: ChannelDirection!) {\n  job(id: $jobId) {\n    id\n    status\n    result {\n      layers(only: [$layer]) {\n        layer\n        imagesDone\n        channelImages(channel: $channel, first: 6, direction: $direction) {\n          imageIndex\n          value\n          error\n          rank\n          image {\n            id\n            name\n            path\n          }\n          heatmap {\n            ...ChannelMapsFields\n          }\n        }\n      }\n    }\n  }\n}": typeof types.ChannelImagesDocument,
    "fragment ChannelMapsFields on ChannelMaps {\n  height\n  width\n  maps {\n    channel\n    cells\n  }\n}": typeof types.ChannelMapsFieldsFragmentDoc,
    "fragment ChannelScoreFields on ChannelScore {\n  channel\n  value\n  rank\n  error\n}": typeof types.ChannelScoreFieldsFragmentDoc,
    "query Classes($id: ID, $first: Int) {\n  model(id: $id) {\n    id\n    classes(first: $first) {\n      index\n      name\n      wnid\n    }\n  }\n}": typeof types.ClassesDocument,
    "mutation CompareMethods($input: CompareInput!) {\n  compareMethods(input: $input) {\n    ...JobSummaryFields\n  }\n}": typeof types.CompareMethodsDocument,
    "query Examples {\n  examples {\n    ...ImageFields\n  }\n}": typeof types.ExamplesDocument,
    "query GroupIcons($jobId: ID!) {\n  job(id: $jobId) {\n    id\n    result {\n      groups {\n        groups {\n          index\n          icon\n        }\n      }\n    }\n  }\n}": typeof types.GroupIconsDocument,
    "fragment ImageFields on Image {\n  id\n  name\n  width\n  height\n  path\n  predictions(top: 5) {\n    probability\n    logit\n    class {\n      index\n      name\n    }\n  }\n}": typeof types.ImageFieldsFragmentDoc,
    "query Image($id: ID!) {\n  image(id: $id) {\n    ...ImageFields\n  }\n}": typeof types.ImageDocument,
    "mutation ImportModel($model: File!, $config: File, $preprocessorConfig: File, $labels: File, $externalData: [File!], $id: ID) {\n  importModel(\n    model: $model\n    config: $config\n    preprocessorConfig: $preprocessorConfig\n    labels: $labels\n    externalData: $externalData\n    id: $id\n  ) {\n    ...ModelSummaryFields\n  }\n}": typeof types.ImportModelDocument,
    "subscription JobProgress($id: ID!, $topK: Int, $mapChannels: [Int!]) {\n  jobProgress(id: $id) {\n    ...AttributionEstimateFields\n    done\n    status\n    error {\n      code\n      message\n    }\n    job {\n      id\n    }\n  }\n}": typeof types.JobProgressDocument,
    "fragment JobSummaryFields on AttributionJob {\n  id\n  groupId\n  status\n  stepsDone\n  stepsTotal\n  backend\n  createdAt\n  startedAt\n  finishedAt\n  error {\n    code\n    message\n  }\n  input {\n    imageId\n    model\n    imageIds\n    layer\n    layers\n    class1\n    class2\n    class1Label\n    class2Label\n    method\n    steps\n    rule\n    seed\n    topK\n    tolerance\n    groups\n  }\n  image {\n    id\n    path\n    width\n    height\n  }\n}": typeof types.JobSummaryFieldsFragmentDoc,
    "query Job($id: ID!, $topK: Int, $mapChannels: [Int!]) {\n  job(id: $id) {\n    ...JobSummaryFields\n    settledAtStep\n    settledAtMs\n    history {\n      stepsDone\n      elapsedMs\n      relativeError\n      completenessGap\n      rankStability\n      settled\n      values\n    }\n    result {\n      ...AttributionEstimateFields\n      done\n    }\n  }\n}": typeof types.JobDocument,
    "query Jobs($first: Int, $after: String, $status: JobStatus) {\n  jobs(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        ...JobSummaryFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.JobsDocument,
    "fragment LayerEstimateFields on LayerEstimate {\n  layer\n  status\n  stepsDone\n  stepsTotal\n  settled\n  relativeError\n  imagesDone\n  top(first: 5) {\n    channel\n    value\n    error\n  }\n  bottom(first: 5) {\n    channel\n    value\n    error\n  }\n  topCount\n  bottomCount\n  channelMaps(top: 5, bottom: 5) {\n    ...ChannelMapsFields\n  }\n}": typeof types.LayerEstimateFieldsFragmentDoc,
    "query LayerFlow($model: ID, $imageId: ID!, $from: String!, $to: String!, $x: Int!, $y: Int!) {\n  layerToLayerAttribution(\n    model: $model\n    imageId: $imageId\n    from: $from\n    to: $to\n    positions: [{x: $x, y: $y}]\n  ) {\n    fromWidth\n    fromHeight\n    targets {\n      x\n      y\n      magnitude\n      attribution {\n        heatmap\n      }\n    }\n  }\n}": typeof types.LayerFlowDocument,
    "fragment LayerSpritesFields on LayerSprites {\n  layer\n  channels\n  rendered\n  sprites {\n    channel\n    path\n    profile\n    size\n  }\n  pending {\n    channel\n    status\n    priority\n    etaSeconds\n  }\n}": typeof types.LayerSpritesFieldsFragmentDoc,
    "subscription LayerSprites($layer: String!, $model: ID) {\n  layerSprites(layer: $layer, model: $model) {\n    ...LayerSpritesFields\n  }\n}": typeof types.LayerSpritesDocument,
    "query LayerToLayer($jobId: ID!, $to: String!) {\n  job(id: $jobId) {\n    id\n    layerToLayerAttribution(to: $to) {\n      from\n      to\n      fromWidth\n      fromHeight\n      toWidth\n      toHeight\n      targets {\n        x\n        y\n        magnitude\n        attribution {\n          heatmap\n        }\n      }\n    }\n  }\n}": typeof types.LayerToLayerDocument,
    "fragment ModelSummaryFields on Model {\n  id\n  name\n  builtin\n  inputSize\n  classCount\n  layers {\n    name\n    channels\n  }\n}": typeof types.ModelSummaryFieldsFragmentDoc,
    "query Model($id: ID) {\n  model(id: $id) {\n    id\n    name\n    backend\n    layers {\n      name\n      channels\n      height\n      width\n      spritemap {\n        path\n        size\n        columns\n        missingChannels\n      }\n    }\n  }\n}": typeof types.ModelDocument,
    "query Models {\n  models {\n    ...ModelSummaryFields\n  }\n}": typeof types.ModelsDocument,
    "fragment NeuronGroupsFields on NeuronGroups {\n  count\n  width\n  height\n  reconstructionError\n  attributionMethod\n  tint\n  groups {\n    index\n    colour\n    attribution\n    attributionError\n    heatmap\n    topChannels(first: 4) {\n      channel\n      weight\n    }\n  }\n}": typeof types.NeuronGroupsFieldsFragmentDoc,
    "query Position($jobId: ID!, $x: Int!, $y: Int!) {\n  job(id: $jobId) {\n    id\n    semanticDictionary(x: $x, y: $y, first: 6) {\n      x\n      y\n      channels {\n        channel\n        activation\n      }\n    }\n    result {\n      stepsDone\n      spatialAttribution {\n        value(x: $x, y: $y)\n      }\n    }\n  }\n}": typeof types.PositionDocument,
    "query Predictions($id: ID!, $model: ID) {\n  image(id: $id) {\n    id\n    predictions(top: 5, model: $model) {\n      probability\n      logit\n      class {\n        index\n        name\n      }\n    }\n  }\n}": typeof types.PredictionsDocument,
    "mutation RequestSprites($layer: String!, $model: ID, $channels: [Int!]!, $priority: SpritePriority) {\n  requestSprites(\n    layer: $layer\n    model: $model\n    channels: $channels\n    priority: $priority\n  ) {\n    ...LayerSpritesFields\n  }\n}": typeof types.RequestSpritesDocument,
    "mutation RestartJob($id: ID!) {\n  restartJob(id: $id) {\n    ...JobSummaryFields\n  }\n}": typeof types.RestartJobDocument,
    "mutation StartAttribution($input: AttributionInput!) {\n  startAttribution(input: $input) {\n    ...JobSummaryFields\n  }\n}": typeof types.StartAttributionDocument,
    "mutation UploadImage($file: File) {\n  uploadImage(file: $file) {\n    ...ImageFields\n  }\n}": typeof types.UploadImageDocument,
    "mutation UploadImages($files: [File!]!) {\n  uploadImages(files: $files) {\n    images {\n      ...ImageFields\n    }\n    rejected {\n      name\n      code\n      message\n    }\n  }\n}": typeof types.UploadImagesDocument,
};
const documents: Documents = {
    "fragment AttributionEstimateFields on AttributionEstimate {\n  stepsDone\n  stepsTotal\n  values\n  completenessGap\n  errors\n  relativeError\n  settled\n  rankStability\n  elapsedMs\n  etaMs\n  top(first: $topK) {\n    ...ChannelScoreFields\n  }\n  bottom(first: $topK) {\n    ...ChannelScoreFields\n  }\n  groups {\n    ...NeuronGroupsFields\n  }\n  channelMaps(top: $topK, bottom: $topK, channels: $mapChannels) {\n    ...ChannelMapsFields\n  }\n  layers {\n    ...LayerEstimateFields\n  }\n  images {\n    total\n    done\n  }\n}": types.AttributionEstimateFieldsFragmentDoc,
    "mutation CancelJob($id: ID!) {\n  cancelJob(id: $id) {\n    ...JobSummaryFields\n  }\n}": types.CancelJobDocument,
    "query ChannelExamples($layer: String!, $model: ID, $channel: Int!) {\n  layer(name: $layer, model: $model) {\n    name\n    datasetExamples(channel: $channel, first: 4) {\n      activation\n      x\n      y\n      size\n      image {\n        id\n        path\n      }\n    }\n  }\n}": types.ChannelExamplesDocument,
    "query ChannelImages($jobId: ID!, $layer: String!, $channel: Int!, $direction: ChannelDirection!) {\n  job(id: $jobId) {\n    id\n    status\n    result {\n      layers(only: [$layer]) {\n        layer\n        imagesDone\n        channelImages(channel: $channel, first: 6, direction: $direction) {\n          imageIndex\n          value\n          error\n          rank\n          image {\n            id\n            name\n            path\n          }\n          heatmap {\n            ...ChannelMapsFields\n          }\n        }\n      }\n    }\n  }\n}": types.ChannelImagesDocument,
    "fragment ChannelMapsFields on ChannelMaps {\n  height\n  width\n  maps {\n    channel\n    cells\n  }\n}": types.ChannelMapsFieldsFragmentDoc,
    "fragment ChannelScoreFields on ChannelScore {\n  channel\n  value\n  rank\n  error\n}": types.ChannelScoreFieldsFragmentDoc,
    "query Classes($id: ID, $first: Int) {\n  model(id: $id) {\n    id\n    classes(first: $first) {\n      index\n      name\n      wnid\n    }\n  }\n}": types.ClassesDocument,
    "mutation CompareMethods($input: CompareInput!) {\n  compareMethods(input: $input) {\n    ...JobSummaryFields\n  }\n}": types.CompareMethodsDocument,
    "query Examples {\n  examples {\n    ...ImageFields\n  }\n}": types.ExamplesDocument,
    "query GroupIcons($jobId: ID!) {\n  job(id: $jobId) {\n    id\n    result {\n      groups {\n        groups {\n          index\n          icon\n        }\n      }\n    }\n  }\n}": types.GroupIconsDocument,
    "fragment ImageFields on Image {\n  id\n  name\n  width\n  height\n  path\n  predictions(top: 5) {\n    probability\n    logit\n    class {\n      index\n      name\n    }\n  }\n}": types.ImageFieldsFragmentDoc,
    "query Image($id: ID!) {\n  image(id: $id) {\n    ...ImageFields\n  }\n}": types.ImageDocument,
    "mutation ImportModel($model: File!, $config: File, $preprocessorConfig: File, $labels: File, $externalData: [File!], $id: ID) {\n  importModel(\n    model: $model\n    config: $config\n    preprocessorConfig: $preprocessorConfig\n    labels: $labels\n    externalData: $externalData\n    id: $id\n  ) {\n    ...ModelSummaryFields\n  }\n}": types.ImportModelDocument,
    "subscription JobProgress($id: ID!, $topK: Int, $mapChannels: [Int!]) {\n  jobProgress(id: $id) {\n    ...AttributionEstimateFields\n    done\n    status\n    error {\n      code\n      message\n    }\n    job {\n      id\n    }\n  }\n}": types.JobProgressDocument,
    "fragment JobSummaryFields on AttributionJob {\n  id\n  groupId\n  status\n  stepsDone\n  stepsTotal\n  backend\n  createdAt\n  startedAt\n  finishedAt\n  error {\n    code\n    message\n  }\n  input {\n    imageId\n    model\n    imageIds\n    layer\n    layers\n    class1\n    class2\n    class1Label\n    class2Label\n    method\n    steps\n    rule\n    seed\n    topK\n    tolerance\n    groups\n  }\n  image {\n    id\n    path\n    width\n    height\n  }\n}": types.JobSummaryFieldsFragmentDoc,
    "query Job($id: ID!, $topK: Int, $mapChannels: [Int!]) {\n  job(id: $id) {\n    ...JobSummaryFields\n    settledAtStep\n    settledAtMs\n    history {\n      stepsDone\n      elapsedMs\n      relativeError\n      completenessGap\n      rankStability\n      settled\n      values\n    }\n    result {\n      ...AttributionEstimateFields\n      done\n    }\n  }\n}": types.JobDocument,
    "query Jobs($first: Int, $after: String, $status: JobStatus) {\n  jobs(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        ...JobSummaryFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.JobsDocument,
    "fragment LayerEstimateFields on LayerEstimate {\n  layer\n  status\n  stepsDone\n  stepsTotal\n  settled\n  relativeError\n  imagesDone\n  top(first: 5) {\n    channel\n    value\n    error\n  }\n  bottom(first: 5) {\n    channel\n    value\n    error\n  }\n  topCount\n  bottomCount\n  channelMaps(top: 5, bottom: 5) {\n    ...ChannelMapsFields\n  }\n}": types.LayerEstimateFieldsFragmentDoc,
    "query LayerFlow($model: ID, $imageId: ID!, $from: String!, $to: String!, $x: Int!, $y: Int!) {\n  layerToLayerAttribution(\n    model: $model\n    imageId: $imageId\n    from: $from\n    to: $to\n    positions: [{x: $x, y: $y}]\n  ) {\n    fromWidth\n    fromHeight\n    targets {\n      x\n      y\n      magnitude\n      attribution {\n        heatmap\n      }\n    }\n  }\n}": types.LayerFlowDocument,
    "fragment LayerSpritesFields on LayerSprites {\n  layer\n  channels\n  rendered\n  sprites {\n    channel\n    path\n    profile\n    size\n  }\n  pending {\n    channel\n    status\n    priority\n    etaSeconds\n  }\n}": types.LayerSpritesFieldsFragmentDoc,
    "subscription LayerSprites($layer: String!, $model: ID) {\n  layerSprites(layer: $layer, model: $model) {\n    ...LayerSpritesFields\n  }\n}": types.LayerSpritesDocument,
    "query LayerToLayer($jobId: ID!, $to: String!) {\n  job(id: $jobId) {\n    id\n    layerToLayerAttribution(to: $to) {\n      from\n      to\n      fromWidth\n      fromHeight\n      toWidth\n      toHeight\n      targets {\n        x\n        y\n        magnitude\n        attribution {\n          heatmap\n        }\n      }\n    }\n  }\n}": types.LayerToLayerDocument,
    "fragment ModelSummaryFields on Model {\n  id\n  name\n  builtin\n  inputSize\n  classCount\n  layers {\n    name\n    channels\n  }\n}": types.ModelSummaryFieldsFragmentDoc,
    "query Model($id: ID) {\n  model(id: $id) {\n    id\n    name\n    backend\n    layers {\n      name\n      channels\n      height\n      width\n      spritemap {\n        path\n        size\n        columns\n        missingChannels\n      }\n    }\n  }\n}": types.ModelDocument,
    "query Models {\n  models {\n    ...ModelSummaryFields\n  }\n}": types.ModelsDocument,
    "fragment NeuronGroupsFields on NeuronGroups {\n  count\n  width\n  height\n  reconstructionError\n  attributionMethod\n  tint\n  groups {\n    index\n    colour\n    attribution\n    attributionError\n    heatmap\n    topChannels(first: 4) {\n      channel\n      weight\n    }\n  }\n}": types.NeuronGroupsFieldsFragmentDoc,
    "query Position($jobId: ID!, $x: Int!, $y: Int!) {\n  job(id: $jobId) {\n    id\n    semanticDictionary(x: $x, y: $y, first: 6) {\n      x\n      y\n      channels {\n        channel\n        activation\n      }\n    }\n    result {\n      stepsDone\n      spatialAttribution {\n        value(x: $x, y: $y)\n      }\n    }\n  }\n}": types.PositionDocument,
    "query Predictions($id: ID!, $model: ID) {\n  image(id: $id) {\n    id\n    predictions(top: 5, model: $model) {\n      probability\n      logit\n      class {\n        index\n        name\n      }\n    }\n  }\n}": types.PredictionsDocument,
    "mutation RequestSprites($layer: String!, $model: ID, $channels: [Int!]!, $priority: SpritePriority) {\n  requestSprites(\n    layer: $layer\n    model: $model\n    channels: $channels\n    priority: $priority\n  ) {\n    ...LayerSpritesFields\n  }\n}": types.RequestSpritesDocument,
    "mutation RestartJob($id: ID!) {\n  restartJob(id: $id) {\n    ...JobSummaryFields\n  }\n}": types.RestartJobDocument,
    "mutation StartAttribution($input: AttributionInput!) {\n  startAttribution(input: $input) {\n    ...JobSummaryFields\n  }\n}": types.StartAttributionDocument,
    "mutation UploadImage($file: File) {\n  uploadImage(file: $file) {\n    ...ImageFields\n  }\n}": types.UploadImageDocument,
    "mutation UploadImages($files: [File!]!) {\n  uploadImages(files: $files) {\n    images {\n      ...ImageFields\n    }\n    rejected {\n      name\n      code\n      message\n    }\n  }\n}": types.UploadImagesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment AttributionEstimateFields on AttributionEstimate {\n  stepsDone\n  stepsTotal\n  values\n  completenessGap\n  errors\n  relativeError\n  settled\n  rankStability\n  elapsedMs\n  etaMs\n  top(first: $topK) {\n    ...ChannelScoreFields\n  }\n  bottom(first: $topK) {\n    ...ChannelScoreFields\n  }\n  groups {\n    ...NeuronGroupsFields\n  }\n  channelMaps(top: $topK, bottom: $topK, channels: $mapChannels) {\n    ...ChannelMapsFields\n  }\n  layers {\n    ...LayerEstimateFields\n  }\n  images {\n    total\n    done\n  }\n}"): (typeof documents)["fragment AttributionEstimateFields on AttributionEstimate {\n  stepsDone\n  stepsTotal\n  values\n  completenessGap\n  errors\n  relativeError\n  settled\n  rankStability\n  elapsedMs\n  etaMs\n  top(first: $topK) {\n    ...ChannelScoreFields\n  }\n  bottom(first: $topK) {\n    ...ChannelScoreFields\n  }\n  groups {\n    ...NeuronGroupsFields\n  }\n  channelMaps(top: $topK, bottom: $topK, channels: $mapChannels) {\n    ...ChannelMapsFields\n  }\n  layers {\n    ...LayerEstimateFields\n  }\n  images {\n    total\n    done\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CancelJob($id: ID!) {\n  cancelJob(id: $id) {\n    ...JobSummaryFields\n  }\n}"): (typeof documents)["mutation CancelJob($id: ID!) {\n  cancelJob(id: $id) {\n    ...JobSummaryFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ChannelExamples($layer: String!, $model: ID, $channel: Int!) {\n  layer(name: $layer, model: $model) {\n    name\n    datasetExamples(channel: $channel, first: 4) {\n      activation\n      x\n      y\n      size\n      image {\n        id\n        path\n      }\n    }\n  }\n}"): (typeof documents)["query ChannelExamples($layer: String!, $model: ID, $channel: Int!) {\n  layer(name: $layer, model: $model) {\n    name\n    datasetExamples(channel: $channel, first: 4) {\n      activation\n      x\n      y\n      size\n      image {\n        id\n        path\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ChannelImages($jobId: ID!, $layer: String!, $channel: Int!, $direction: ChannelDirection!) {\n  job(id: $jobId) {\n    id\n    status\n    result {\n      layers(only: [$layer]) {\n        layer\n        imagesDone\n        channelImages(channel: $channel, first: 6, direction: $direction) {\n          imageIndex\n          value\n          error\n          rank\n          image {\n            id\n            name\n            path\n          }\n          heatmap {\n            ...ChannelMapsFields\n          }\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query ChannelImages($jobId: ID!, $layer: String!, $channel: Int!, $direction: ChannelDirection!) {\n  job(id: $jobId) {\n    id\n    status\n    result {\n      layers(only: [$layer]) {\n        layer\n        imagesDone\n        channelImages(channel: $channel, first: 6, direction: $direction) {\n          imageIndex\n          value\n          error\n          rank\n          image {\n            id\n            name\n            path\n          }\n          heatmap {\n            ...ChannelMapsFields\n          }\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ChannelMapsFields on ChannelMaps {\n  height\n  width\n  maps {\n    channel\n    cells\n  }\n}"): (typeof documents)["fragment ChannelMapsFields on ChannelMaps {\n  height\n  width\n  maps {\n    channel\n    cells\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ChannelScoreFields on ChannelScore {\n  channel\n  value\n  rank\n  error\n}"): (typeof documents)["fragment ChannelScoreFields on ChannelScore {\n  channel\n  value\n  rank\n  error\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Classes($id: ID, $first: Int) {\n  model(id: $id) {\n    id\n    classes(first: $first) {\n      index\n      name\n      wnid\n    }\n  }\n}"): (typeof documents)["query Classes($id: ID, $first: Int) {\n  model(id: $id) {\n    id\n    classes(first: $first) {\n      index\n      name\n      wnid\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CompareMethods($input: CompareInput!) {\n  compareMethods(input: $input) {\n    ...JobSummaryFields\n  }\n}"): (typeof documents)["mutation CompareMethods($input: CompareInput!) {\n  compareMethods(input: $input) {\n    ...JobSummaryFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Examples {\n  examples {\n    ...ImageFields\n  }\n}"): (typeof documents)["query Examples {\n  examples {\n    ...ImageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query GroupIcons($jobId: ID!) {\n  job(id: $jobId) {\n    id\n    result {\n      groups {\n        groups {\n          index\n          icon\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query GroupIcons($jobId: ID!) {\n  job(id: $jobId) {\n    id\n    result {\n      groups {\n        groups {\n          index\n          icon\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ImageFields on Image {\n  id\n  name\n  width\n  height\n  path\n  predictions(top: 5) {\n    probability\n    logit\n    class {\n      index\n      name\n    }\n  }\n}"): (typeof documents)["fragment ImageFields on Image {\n  id\n  name\n  width\n  height\n  path\n  predictions(top: 5) {\n    probability\n    logit\n    class {\n      index\n      name\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Image($id: ID!) {\n  image(id: $id) {\n    ...ImageFields\n  }\n}"): (typeof documents)["query Image($id: ID!) {\n  image(id: $id) {\n    ...ImageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ImportModel($model: File!, $config: File, $preprocessorConfig: File, $labels: File, $externalData: [File!], $id: ID) {\n  importModel(\n    model: $model\n    config: $config\n    preprocessorConfig: $preprocessorConfig\n    labels: $labels\n    externalData: $externalData\n    id: $id\n  ) {\n    ...ModelSummaryFields\n  }\n}"): (typeof documents)["mutation ImportModel($model: File!, $config: File, $preprocessorConfig: File, $labels: File, $externalData: [File!], $id: ID) {\n  importModel(\n    model: $model\n    config: $config\n    preprocessorConfig: $preprocessorConfig\n    labels: $labels\n    externalData: $externalData\n    id: $id\n  ) {\n    ...ModelSummaryFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription JobProgress($id: ID!, $topK: Int, $mapChannels: [Int!]) {\n  jobProgress(id: $id) {\n    ...AttributionEstimateFields\n    done\n    status\n    error {\n      code\n      message\n    }\n    job {\n      id\n    }\n  }\n}"): (typeof documents)["subscription JobProgress($id: ID!, $topK: Int, $mapChannels: [Int!]) {\n  jobProgress(id: $id) {\n    ...AttributionEstimateFields\n    done\n    status\n    error {\n      code\n      message\n    }\n    job {\n      id\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment JobSummaryFields on AttributionJob {\n  id\n  groupId\n  status\n  stepsDone\n  stepsTotal\n  backend\n  createdAt\n  startedAt\n  finishedAt\n  error {\n    code\n    message\n  }\n  input {\n    imageId\n    model\n    imageIds\n    layer\n    layers\n    class1\n    class2\n    class1Label\n    class2Label\n    method\n    steps\n    rule\n    seed\n    topK\n    tolerance\n    groups\n  }\n  image {\n    id\n    path\n    width\n    height\n  }\n}"): (typeof documents)["fragment JobSummaryFields on AttributionJob {\n  id\n  groupId\n  status\n  stepsDone\n  stepsTotal\n  backend\n  createdAt\n  startedAt\n  finishedAt\n  error {\n    code\n    message\n  }\n  input {\n    imageId\n    model\n    imageIds\n    layer\n    layers\n    class1\n    class2\n    class1Label\n    class2Label\n    method\n    steps\n    rule\n    seed\n    topK\n    tolerance\n    groups\n  }\n  image {\n    id\n    path\n    width\n    height\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Job($id: ID!, $topK: Int, $mapChannels: [Int!]) {\n  job(id: $id) {\n    ...JobSummaryFields\n    settledAtStep\n    settledAtMs\n    history {\n      stepsDone\n      elapsedMs\n      relativeError\n      completenessGap\n      rankStability\n      settled\n      values\n    }\n    result {\n      ...AttributionEstimateFields\n      done\n    }\n  }\n}"): (typeof documents)["query Job($id: ID!, $topK: Int, $mapChannels: [Int!]) {\n  job(id: $id) {\n    ...JobSummaryFields\n    settledAtStep\n    settledAtMs\n    history {\n      stepsDone\n      elapsedMs\n      relativeError\n      completenessGap\n      rankStability\n      settled\n      values\n    }\n    result {\n      ...AttributionEstimateFields\n      done\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Jobs($first: Int, $after: String, $status: JobStatus) {\n  jobs(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        ...JobSummaryFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Jobs($first: Int, $after: String, $status: JobStatus) {\n  jobs(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        ...JobSummaryFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment LayerEstimateFields on LayerEstimate {\n  layer\n  status\n  stepsDone\n  stepsTotal\n  settled\n  relativeError\n  imagesDone\n  top(first: 5) {\n    channel\n    value\n    error\n  }\n  bottom(first: 5) {\n    channel\n    value\n    error\n  }\n  topCount\n  bottomCount\n  channelMaps(top: 5, bottom: 5) {\n    ...ChannelMapsFields\n  }\n}"): (typeof documents)["fragment LayerEstimateFields on LayerEstimate {\n  layer\n  status\n  stepsDone\n  stepsTotal\n  settled\n  relativeError\n  imagesDone\n  top(first: 5) {\n    channel\n    value\n    error\n  }\n  bottom(first: 5) {\n    channel\n    value\n    error\n  }\n  topCount\n  bottomCount\n  channelMaps(top: 5, bottom: 5) {\n    ...ChannelMapsFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LayerFlow($model: ID, $imageId: ID!, $from: String!, $to: String!, $x: Int!, $y: Int!) {\n  layerToLayerAttribution(\n    model: $model\n    imageId: $imageId\n    from: $from\n    to: $to\n    positions: [{x: $x, y: $y}]\n  ) {\n    fromWidth\n    fromHeight\n    targets {\n      x\n      y\n      magnitude\n      attribution {\n        heatmap\n      }\n    }\n  }\n}"): (typeof documents)["query LayerFlow($model: ID, $imageId: ID!, $from: String!, $to: String!, $x: Int!, $y: Int!) {\n  layerToLayerAttribution(\n    model: $model\n    imageId: $imageId\n    from: $from\n    to: $to\n    positions: [{x: $x, y: $y}]\n  ) {\n    fromWidth\n    fromHeight\n    targets {\n      x\n      y\n      magnitude\n      attribution {\n        heatmap\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment LayerSpritesFields on LayerSprites {\n  layer\n  channels\n  rendered\n  sprites {\n    channel\n    path\n    profile\n    size\n  }\n  pending {\n    channel\n    status\n    priority\n    etaSeconds\n  }\n}"): (typeof documents)["fragment LayerSpritesFields on LayerSprites {\n  layer\n  channels\n  rendered\n  sprites {\n    channel\n    path\n    profile\n    size\n  }\n  pending {\n    channel\n    status\n    priority\n    etaSeconds\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription LayerSprites($layer: String!, $model: ID) {\n  layerSprites(layer: $layer, model: $model) {\n    ...LayerSpritesFields\n  }\n}"): (typeof documents)["subscription LayerSprites($layer: String!, $model: ID) {\n  layerSprites(layer: $layer, model: $model) {\n    ...LayerSpritesFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LayerToLayer($jobId: ID!, $to: String!) {\n  job(id: $jobId) {\n    id\n    layerToLayerAttribution(to: $to) {\n      from\n      to\n      fromWidth\n      fromHeight\n      toWidth\n      toHeight\n      targets {\n        x\n        y\n        magnitude\n        attribution {\n          heatmap\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query LayerToLayer($jobId: ID!, $to: String!) {\n  job(id: $jobId) {\n    id\n    layerToLayerAttribution(to: $to) {\n      from\n      to\n      fromWidth\n      fromHeight\n      toWidth\n      toHeight\n      targets {\n        x\n        y\n        magnitude\n        attribution {\n          heatmap\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ModelSummaryFields on Model {\n  id\n  name\n  builtin\n  inputSize\n  classCount\n  layers {\n    name\n    channels\n  }\n}"): (typeof documents)["fragment ModelSummaryFields on Model {\n  id\n  name\n  builtin\n  inputSize\n  classCount\n  layers {\n    name\n    channels\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Model($id: ID) {\n  model(id: $id) {\n    id\n    name\n    backend\n    layers {\n      name\n      channels\n      height\n      width\n      spritemap {\n        path\n        size\n        columns\n        missingChannels\n      }\n    }\n  }\n}"): (typeof documents)["query Model($id: ID) {\n  model(id: $id) {\n    id\n    name\n    backend\n    layers {\n      name\n      channels\n      height\n      width\n      spritemap {\n        path\n        size\n        columns\n        missingChannels\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Models {\n  models {\n    ...ModelSummaryFields\n  }\n}"): (typeof documents)["query Models {\n  models {\n    ...ModelSummaryFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment NeuronGroupsFields on NeuronGroups {\n  count\n  width\n  height\n  reconstructionError\n  attributionMethod\n  tint\n  groups {\n    index\n    colour\n    attribution\n    attributionError\n    heatmap\n    topChannels(first: 4) {\n      channel\n      weight\n    }\n  }\n}"): (typeof documents)["fragment NeuronGroupsFields on NeuronGroups {\n  count\n  width\n  height\n  reconstructionError\n  attributionMethod\n  tint\n  groups {\n    index\n    colour\n    attribution\n    attributionError\n    heatmap\n    topChannels(first: 4) {\n      channel\n      weight\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Position($jobId: ID!, $x: Int!, $y: Int!) {\n  job(id: $jobId) {\n    id\n    semanticDictionary(x: $x, y: $y, first: 6) {\n      x\n      y\n      channels {\n        channel\n        activation\n      }\n    }\n    result {\n      stepsDone\n      spatialAttribution {\n        value(x: $x, y: $y)\n      }\n    }\n  }\n}"): (typeof documents)["query Position($jobId: ID!, $x: Int!, $y: Int!) {\n  job(id: $jobId) {\n    id\n    semanticDictionary(x: $x, y: $y, first: 6) {\n      x\n      y\n      channels {\n        channel\n        activation\n      }\n    }\n    result {\n      stepsDone\n      spatialAttribution {\n        value(x: $x, y: $y)\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Predictions($id: ID!, $model: ID) {\n  image(id: $id) {\n    id\n    predictions(top: 5, model: $model) {\n      probability\n      logit\n      class {\n        index\n        name\n      }\n    }\n  }\n}"): (typeof documents)["query Predictions($id: ID!, $model: ID) {\n  image(id: $id) {\n    id\n    predictions(top: 5, model: $model) {\n      probability\n      logit\n      class {\n        index\n        name\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RequestSprites($layer: String!, $model: ID, $channels: [Int!]!, $priority: SpritePriority) {\n  requestSprites(\n    layer: $layer\n    model: $model\n    channels: $channels\n    priority: $priority\n  ) {\n    ...LayerSpritesFields\n  }\n}"): (typeof documents)["mutation RequestSprites($layer: String!, $model: ID, $channels: [Int!]!, $priority: SpritePriority) {\n  requestSprites(\n    layer: $layer\n    model: $model\n    channels: $channels\n    priority: $priority\n  ) {\n    ...LayerSpritesFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RestartJob($id: ID!) {\n  restartJob(id: $id) {\n    ...JobSummaryFields\n  }\n}"): (typeof documents)["mutation RestartJob($id: ID!) {\n  restartJob(id: $id) {\n    ...JobSummaryFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StartAttribution($input: AttributionInput!) {\n  startAttribution(input: $input) {\n    ...JobSummaryFields\n  }\n}"): (typeof documents)["mutation StartAttribution($input: AttributionInput!) {\n  startAttribution(input: $input) {\n    ...JobSummaryFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UploadImage($file: File) {\n  uploadImage(file: $file) {\n    ...ImageFields\n  }\n}"): (typeof documents)["mutation UploadImage($file: File) {\n  uploadImage(file: $file) {\n    ...ImageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UploadImages($files: [File!]!) {\n  uploadImages(files: $files) {\n    images {\n      ...ImageFields\n    }\n    rejected {\n      name\n      code\n      message\n    }\n  }\n}"): (typeof documents)["mutation UploadImages($files: [File!]!) {\n  uploadImages(files: $files) {\n    images {\n      ...ImageFields\n    }\n    rejected {\n      name\n      code\n      message\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;