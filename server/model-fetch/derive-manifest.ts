/**
 * Re-derives caffejs-manifest.json from the shared model, offline:
 *   npx tsx server/model-fetch/derive-manifest.ts [--model-dir DIR] [--check]
 * The raw caffejs files cannot be downloaded here, so their checksums come from the inverse
 * transform of ../shared/models/googlenet-bvlc (tfjs-to-caffejs.ts). Two independent facts in
 * PROVENANCE.md confirm the result is byte-exact: the sha256 of the caffejs `git ls-tree`
 * listing ("<blob sha1> <path>" lines), and the git blob id of synset_words.txt.
 * With --check it only compares against the checked-in file (exit 1 on any difference).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFiles, modelCandidates } from '../engine/network/model-source.js';
import { MANIFEST_URL, type CaffejsManifest, type ManifestFile, type ReferencePrediction } from './caffejs-manifest.js';
import { tfjsToCaffejs } from './tfjs-to-caffejs.js';

const COMMIT = '424d98682b50dd88d0b8cca401c66855709bd013';
const WEIGHTS_DIR = 'models/bvlc_googlenet/weights/';
const LABELS_PATH = 'data/ilsvrc12/synset_words.txt';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
export const gitBlobSha1 = (b: Uint8Array) => createHash('sha1').update(`blob ${b.byteLength}\0`).update(b).digest('hex');

/** `git ls-tree -r` order is byte order of the full path for these names (no file/dir prefix clashes). */
export function lsTreeListing(files: { path: string; gitBlobSha1: string }[]): string {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.gitBlobSha1} ${f.path}\n`)
    .join('');
}

/** The abbreviated checksums PROVENANCE.md prints as `6e8864f7…a7193`. */
function abbreviated(text: string, after: RegExp): { head: string; tail: string } {
  const m = new RegExp(after.source + String.raw`\s*([0-9a-f]{6,})…([0-9a-f]*)`).exec(text);
  if (!m) throw new Error(`PROVENANCE.md no longer states ${after.source}.`);
  return { head: m[1], tail: m[2] };
}

function provenanceFileTable(text: string) {
  const rows = [...text.matchAll(/^\| ([\w.-]+\.(?:json|bin|txt))[^|]*\| (\d+) \| ([0-9a-f]{64}) \|$/gm)];
  return rows.map((r) => ({ name: r[1], bytes: Number(r[2]), sha256: r[3] }));
}

function provenancePredictions(text: string): ReferencePrediction[] {
  const section = text.slice(text.indexOf('## Verified predictions'));
  const rows = [...section.matchAll(/^\| (\w+) \| ([^|]+) \|$/gm)].filter((r) => r[1] !== 'image');
  return rows.map((r) => ({
    image: `${r[1]}.png`,
    top: r[2].split(',').map((item) => {
      const m = /^\s*(.+?)(?: (\d+\.\d))?\s*$/.exec(item)!;
      return { label: m[1], percent: m[2] ? Number(m[2]) : null };
    }),
  }));
}

export function deriveManifest(modelDir: string): CaffejsManifest {
  const model = readModelFiles(modelDir);
  const provenance = readFileSync(join(modelDir, 'PROVENANCE.md'), 'utf8');
  const raw = tfjsToCaffejs(model);
  const entry = (path: string, b: Uint8Array): ManifestFile => ({
    path,
    bytes: b.byteLength,
    sha256: sha256(b),
    gitBlobSha1: gitBlobSha1(b),
  });
  const weights = [...raw.weights].map(([p, b]) => entry(WEIGHTS_DIR + p, b));
  const labels = entry(LABELS_PATH, raw.synsetWords);

  const listingSha = sha256(lsTreeListing(weights));
  const listing = abbreviated(provenance, /"blob path" listing\s+is/);
  if (!listingSha.startsWith(listing.head) || !listingSha.endsWith(listing.tail)) {
    throw new Error(
      `The inverse transform does not reproduce caffejs: its ls-tree listing hashes to ${listingSha}, PROVENANCE.md says ${listing.head}…${listing.tail}.`,
    );
  }
  const labelsBlob = abbreviated(provenance, /\(git blob/);
  if (!labels.gitBlobSha1.startsWith(labelsBlob.head)) {
    throw new Error(
      `labels.txt is not caffejs's synset_words.txt: git blob ${labels.gitBlobSha1}, PROVENANCE.md says ${labelsBlob.head}….`,
    );
  }
  const weightBytes = weights.reduce((n, f) => n + f.bytes, 0);

  const outputs = provenanceFileTable(provenance);
  for (const o of outputs) {
    const actual = readFileSync(join(modelDir, o.name));
    if (actual.byteLength !== o.bytes || sha256(actual) !== o.sha256)
      throw new Error(`${modelDir}/${o.name} does not match PROVENANCE.md's table.`);
  }

  return {
    about:
      'The BVLC GoogLeNet files `npm run model:fetch` downloads from chaosmail/caffejs, with sha256 sums, and the converted folder it must produce (PROVENANCE.md).',
    derivation:
      'Not downloaded: derived offline by `npx tsx server/model-fetch/derive-manifest.ts`, which writes the shared model (../shared/models/googlenet-bvlc) back out in the caffejs layout ' +
      '(HWIO -> [out][kh][kw][in], conv1 RGB -> BGR, classifier [1024][1000] -> [1000][1024]; words moved, never re-encoded) and hashes each file. ' +
      `Checked against two facts PROVENANCE.md states about caffejs at ${COMMIT}: the sha256 of its git ls-tree listing ("<blob sha1> <path>" lines, sorted) is ${listing.head}…${listing.tail}, ` +
      `and synset_words.txt is git blob ${labelsBlob.head}…. Both match, so every gitBlobSha1 here equals the blob in the caffejs repo.`,
    source: {
      repository: 'https://github.com/chaosmail/caffejs',
      licence: 'MIT (the caffejs repository)',
      branch: 'gh-pages',
      commit: COMMIT,
      weightsDir: WEIGHTS_DIR,
      labelsPath: LABELS_PATH,
      defaultBaseUrl: `https://raw.githubusercontent.com/chaosmail/caffejs/${COMMIT}/`,
      upstreamModel:
        'BVLC bvlc_googlenet.caffemodel (sha1 405fc5acd08a3bb12de8ee5e23a96bec22f08204), "released for unrestricted use" (BVLC/caffe models/bvlc_googlenet/readme.md)',
    },
    files: [...weights, labels],
    totals: { weightFiles: weights.length, weightBytes, lsTreeListingSha256: listingSha },
    output: {
      files: outputs,
      referenceConvertedBy: (model.modelJson as unknown as { convertedBy: string }).convertedBy,
    },
    referencePredictions: provenancePredictions(provenance),
  };
}

/** One file per line keeps the checked-in manifest diffable. */
export function formatManifest(m: CaffejsManifest): string {
  const lines = (xs: unknown[]) => `[\n${xs.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]`;
  return (
    '{\n' +
    Object.entries(m)
      .map(([k, v]) => {
        if (k === 'files' || k === 'referencePredictions') return `  ${JSON.stringify(k)}: ${lines(v as unknown[])}`;
        if (k === 'output') {
          const o = v as CaffejsManifest['output'];
          return `  "output": {\n    "files": ${lines(o.files).replace(/\n/g, '\n  ')},\n    "referenceConvertedBy": ${JSON.stringify(o.referenceConvertedBy)}\n  }`;
        }
        return `  ${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}`;
      })
      .join(',\n') +
    '\n}\n'
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const dirFlag = args.indexOf('--model-dir');
  const dir = dirFlag >= 0 ? args[dirFlag + 1] : modelCandidates().at(-1)!;
  const text = formatManifest(deriveManifest(dir));
  if (args.includes('--check')) {
    const same = readFileSync(MANIFEST_URL, 'utf8') === text;
    console.log(same ? 'caffejs-manifest.json is up to date.' : 'caffejs-manifest.json differs from a fresh derivation.');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(MANIFEST_URL, text);
  console.log(`Wrote ${MANIFEST_URL.pathname}`);
}
