import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { GraphQLResponse } from './graphql-client.js';

const IMPORT = `mutation ($model: File!, $config: File, $preprocessorConfig: File, $labels: File, $externalData: [File!], $id: ID) {
  importModel(model: $model, config: $config, preprocessorConfig: $preprocessorConfig, labels: $labels, externalData: $externalData, id: $id) {
    id builtin name inputSize classCount layers { name channels height width }
  }
}`;

/** Files of an import, as named parts: each a file name and its bytes. */
export interface ImportFiles {
  model: [string, Uint8Array];
  config?: [string, Uint8Array];
  preprocessorConfig?: [string, Uint8Array];
  labels?: [string, Uint8Array];
  externalData?: [string, Uint8Array][];
}

/** A model folder's files (model.onnx, config.json, preprocessor_config.json), as an import sends them. */
export function folderFiles(dir: string): ImportFiles {
  const names = readdirSync(dir);
  const onnx = names.find((n) => n.endsWith('.onnx'))!;
  const file = (n: string): [string, Uint8Array] => [n, new Uint8Array(readFileSync(join(dir, n)))];
  return {
    model: file(onnx),
    ...(names.includes('config.json') ? { config: file('config.json') } : {}),
    ...(names.includes('preprocessor_config.json') ? { preprocessorConfig: file('preprocessor_config.json') } : {}),
  };
}

export const onnxFile = (path: string): ImportFiles => ({ model: [basename(path), new Uint8Array(readFileSync(path))] });

/**
 * `importModel` as a GraphQL multipart request (the multipart request spec: `operations`, `map`,
 * then one part per file), with the CSRF header a browser would send and an optional admin token.
 */
export async function importModel(
  url: string,
  files: ImportFiles,
  opts: { id?: string; token?: string } = {},
): Promise<{ status: number; body: GraphQLResponse }> {
  const form = new FormData();
  const parts: [string, [string, Uint8Array]][] = [['model', files.model]];
  const variables: Record<string, unknown> = { model: null, id: opts.id ?? null };
  for (const key of ['config', 'preprocessorConfig', 'labels'] as const) {
    const f = files[key];
    if (f) {
      parts.push([key, f]);
      variables[key] = null;
    }
  }
  (files.externalData ?? []).forEach((f, i) => parts.push([`externalData.${i}`, f]));
  if (files.externalData) variables.externalData = files.externalData.map(() => null);
  form.set('operations', JSON.stringify({ query: IMPORT, variables }));
  form.set('map', JSON.stringify(Object.fromEntries(parts.map(([path], i) => [String(i), [`variables.${path}`]]))));
  parts.forEach(([, [name, bytes]], i) => form.set(String(i), new Blob([bytes as BlobPart]), name));
  const headers: Record<string, string> = { 'x-graphql-yoga-csrf': '1' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, { method: 'POST', body: form, headers });
  return { status: res.status, body: (await res.json()) as GraphQLResponse };
}
