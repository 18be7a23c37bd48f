import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MANIFEST_URL, labelsFile, weightFiles } from '../../../server/model-fetch/caffejs-manifest.js';
import { deriveManifest, formatManifest, lsTreeListing } from '../../../server/model-fetch/derive-manifest.js';
import { MODEL_DIR } from '../../helpers/fixtures.js';

describe('caffejs-manifest.json', () => {
  const derived = deriveManifest(MODEL_DIR);

  it('is what derive-manifest.ts computes from the shared model today', () => {
    expect(readFileSync(MANIFEST_URL, 'utf8')).toBe(formatManifest(derived));
  });

  it('matches the caffejs git tree PROVENANCE.md fingerprints (sha256 6e8864f7…a7193 of the ls-tree listing)', () => {
    // Independent of our code: the listing hash was taken from the caffejs repo itself.
    const listing = createHash('sha256')
      .update(lsTreeListing(weightFiles(derived)))
      .digest('hex');
    expect(listing.startsWith('6e8864f7')).toBe(true);
    expect(listing.endsWith('a7193')).toBe(true);
    expect(labelsFile(derived).gitBlobSha1.startsWith('a9e8c7f5')).toBe(true);
  });

  it('counts 116 weight files of 27,994,208 bytes plus synset_words.txt', () => {
    expect(weightFiles(derived).length).toBe(116);
    expect(weightFiles(derived).reduce((n, f) => n + f.bytes, 0)).toBe(27_994_208);
    expect(labelsFile(derived)).toMatchObject({ path: 'data/ilsvrc12/synset_words.txt', bytes: 31675 });
  });
});
