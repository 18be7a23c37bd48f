import type { GraphBuilder } from '../executors/onnx-compiler/graph-builder.js';
import type { ConstantTensor } from './constant-tensor.js';
import type { OnnxNode } from './onnx-graph.js';

/** One entry of the operator table (operator-rules.ts): what its parts see. */
export interface OperatorRule {
  shape(c: ShapeContext): number[][];
  batch?(c: ShapeContext): string | undefined;
  backward(c: GradContext, dys: (string | undefined)[]): (string | undefined)[];
  forward?(c: ForwardContext): void;
}

export interface ShapeContext {
  node: OnnxNode;
  /** Shape of input i (batch 1); throws if the input is absent. */
  shape(i: number): number[];
  has(i: number): boolean;
  /** Input i's value, when it is a constant. */
  constant(i: number): ConstantTensor | undefined;
  /** Input i's value; refuses the node when it is computed at run time. */
  requireConstant(i: number, what: string): ConstantTensor;
  /** Whether input i depends on the image (is not a constant). */
  live(i: number): boolean;
  /** Replaces constant input i (the batched form of a node). */
  replaceInput(i: number, value: ConstantTensor): void;
  fail(why: string): never;
}

export interface GradContext {
  b: GraphBuilder;
  node: OnnxNode;
  /** The compiled graph's value of input i / output j. */
  x(i: number): string;
  y(j?: number): string;
  inShape(i: number): number[];
  outShape(j?: number): number[];
  constant(i: number): ConstantTensor | undefined;
  /** Whether input i needs a gradient (it depends on the layer differentiated to). */
  wants(i: number): boolean;
  /** A value the node's `forward` saved (e.g. MaxPool's indices). */
  saved(key: string): string | undefined;
  fail(why: string): never;
}

export interface ForwardContext {
  b: GraphBuilder;
  node: OnnxNode;
  /** Whether the graph being written differentiates through this node. */
  differentiated: boolean;
  /** Writes the node as it is (the default). */
  emit(outputs?: string[]): void;
  save(key: string, value: string): void;
}
