import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../repo-root.js';
import { ModelFetchError } from '../errors/model-fetch-error.js';

/**
 * What `npm run model:fetch` downloads and what it must produce, checked in as
 * caffejs-manifest.json. How the numbers were derived is written in the file itself
 * (`derivation`), and derive-manifest.ts re-derives them.
 */
export interface ManifestFile {
  /** Path under the base URL, e.g. `models/bvlc_googlenet/weights/conv1/7x7_s2_filter.bin`. */
  path: string;
  bytes: number;
  sha256: string;
  /** `git hash-object` of the file: lets anyone check it against `git ls-tree` of caffejs. */
  gitBlobSha1: string;
}

export interface ReferencePrediction {
  /** File name under the shared images folder's `224/`. */
  image: string;
  /** The leading predictions PROVENANCE.md lists, in order; percent is null where it gives none. */
  top: { label: string; percent: number | null }[];
}

export interface CaffejsManifest {
  about: string;
  derivation: string;
  source: {
    repository: string;
    licence: string;
    branch: string;
    commit: string;
    weightsDir: string;
    labelsPath: string;
    defaultBaseUrl: string;
    upstreamModel: string;
  };
  /** The 116 weight files, then synset_words.txt. */
  files: ManifestFile[];
  totals: { weightFiles: number; weightBytes: number; lsTreeListingSha256: string };
  /** The converted folder, as PROVENANCE.md lists it. */
  output: {
    files: { name: string; bytes: number; sha256: string }[];
    /** model.json's `convertedBy` in the shared copy: with it, our model.json hashes to PROVENANCE's. */
    referenceConvertedBy: string;
  };
  referencePredictions: ReferencePrediction[];
}

export const MANIFEST_URL = pathToFileURL(join(REPO_ROOT, 'server', 'model-fetch', 'caffejs-manifest.json'));

export function loadManifest(): CaffejsManifest {
  return JSON.parse(readFileSync(MANIFEST_URL, 'utf8')) as CaffejsManifest;
}

export const weightFiles = (m: CaffejsManifest) => m.files.filter((f) => f.path.startsWith(m.source.weightsDir));
export const labelsFile = (m: CaffejsManifest) => m.files.find((f) => f.path === m.source.labelsPath)!;

/**
 * The base URL from --base-url, else MODEL_BASE_URL, else caffejs on GitHub at the pinned
 * commit. It must be http(s) and is made to end in `/`, so file paths resolve beneath it.
 */
export function resolveBaseUrl(m: CaffejsManifest, flag?: string, modelBaseUrl?: string): string {
  const raw = flag ?? modelBaseUrl ?? m.source.defaultBaseUrl;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ModelFetchError(
      'BAD_ARGUMENT',
      `The base URL "${raw}" is not a URL: give --base-url or MODEL_BASE_URL as http(s)://host/path/ (the folder holding models/ and data/ of caffejs).`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ModelFetchError('BAD_ARGUMENT', `The base URL "${raw}" uses ${url.protocol}; only http: and https: are supported.`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.toString();
}

export const fileUrl = (baseUrl: string, path: string) => new URL(path, baseUrl).toString();
