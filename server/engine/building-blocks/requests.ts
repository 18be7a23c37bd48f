import type { ScoreSpec } from '../executors/executor.js';
import type { NeuronGroups, NeuronGroupsRequest } from './neuron-groups.js';
import type { ChannelActivation } from './semantic-dictionary.js';

/** A job's neuron groups beside a snapshot: the factors (fixed for the job) and the running attribution to each. */
export interface GroupsEstimate {
  factors: NeuronGroups;
  /** sum(G_i * integrated gradient so far, rescaled to the full path), one per group: refines with the channel values. */
  attribution: number[];
  /** One standard error per group, estimated as the channels' `errors` are (0 for SIMPLE). */
  errors: number[];
}

/** Neuron groups of one image at a layer; with a score, also Lucid's linear attribution to each group. */
export interface GroupsRequest extends NeuronGroupsRequest {
  layer: string;
  score: ScoreSpec | null;
}

export interface GroupsReply {
  groups: NeuronGroups;
  /** sum(G_i * dScore/dA) at A per group (NeuronGroups.ipynb's `raw_class_group_attr`); null without a score. */
  attribution: number[] | null;
}

/** The semantic dictionary of every position of a layer's grid, `first` channels deep. */
export interface DictionaryRequest {
  layer: string;
  first: number;
}

export interface DictionaryGrid {
  layer: string;
  height: number;
  width: number;
  channels: number;
  /** H*W entries in row-major order, each the position's most active channels, most active first. */
  positions: ChannelActivation[][];
}

/** Class-to-position attribution by gradient x activation (AttrSpatial.ipynb's `raw_class_spatial_attr`). */
export interface ClassSpatialRequest {
  layer: string;
  score: ScoreSpec;
}

export interface SpatialAttributionMap {
  layer: string;
  height: number;
  width: number;
  /** H*W values in row-major order; they add up to the layer's channel total. */
  values: number[];
}

/** Feature visualizations of neuron groups: each channel factor as a direction objective at the layer, rendered as one batch. */
export interface GroupIconsRequest {
  layer: string;
  /** One channel factor (C weights) per group. */
  directions: number[][];
  /** Names the directions (their random streams derive from it), e.g. a hash of the factors. */
  key: string;
  size: number;
  steps: number;
  seed: number;
}

export interface GroupIconsReply {
  /** One RGB PNG per group, in the request's order. */
  icons: Uint8Array[];
}
