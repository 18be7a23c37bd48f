import AdmZip from 'adm-zip';
import { isEngineError } from '../errors/engine-error.js';
import { MAX_IMAGE_BYTES } from '../engine/images.js';
import type { ImageLibrary, StoredImage } from './image-library.js';

/** A file of a batch upload that was not stored, with why (the same checks as one upload). */
export interface RejectedFile {
  name: string;
  code: string;
  message: string;
}

export interface BatchUpload {
  images: StoredImage[];
  rejected: RejectedFile[];
}

/** A zip archive starts with a local file header (PK\x03\x04), or is an empty archive (PK\x05\x06). */
const isZip = (b: Uint8Array) =>
  b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));

/** Archive entries that are not user files: folders, macOS resource forks, dot files. */
const isNoise = (path: string) => path.endsWith('/') || path.startsWith('__MACOSX/') || /(^|\/)\./.test(path);

/**
 * Several uploads at once: each file, or each file inside a zip, goes through the one-image
 * checks (type, size, dimensions, a decode in a worker) and is stored or listed as rejected with
 * the reason; one bad file never loses the others. At most `maxFiles` files in all (the rest are
 * rejected), and a zip entry larger than an image may be is rejected before it is inflated.
 */
export async function uploadBatch(
  library: ImageLibrary,
  files: { name: string; bytes: Uint8Array }[],
  maxFiles: number,
): Promise<BatchUpload> {
  const entries: { name: string; bytes: () => Uint8Array }[] = [];
  const rejected: RejectedFile[] = [];
  for (const file of files) {
    if (!isZip(file.bytes)) {
      entries.push({ name: file.name, bytes: () => file.bytes });
      continue;
    }
    let zip: AdmZip;
    try {
      zip = new AdmZip(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
    } catch (e) {
      rejected.push({ name: file.name, code: 'BAD_IMAGE', message: `The zip archive cannot be read (${(e as Error).message}).` });
      continue;
    }
    for (const entry of zip.getEntries()) {
      if (entry.isDirectory || isNoise(entry.entryName)) continue;
      const name = `${file.name}/${entry.entryName}`;
      if (entry.header.size > MAX_IMAGE_BYTES) {
        rejected.push({
          name,
          code: 'BAD_IMAGE',
          message: `The image is ${(entry.header.size / 1048576).toFixed(1)} MB; the limit is 10 MB.`,
        });
        continue;
      }
      entries.push({ name, bytes: () => entry.getData() });
    }
  }
  const images: StoredImage[] = [];
  for (const [i, entry] of entries.entries()) {
    if (i >= maxFiles) {
      rejected.push({
        name: entry.name,
        code: 'JOB_TOO_LARGE',
        message: `Only ${maxFiles} images are taken per batch (MAX_IMAGES_PER_JOB).`,
      });
      continue;
    }
    try {
      images.push(await library.upload(entry.bytes(), entry.name));
    } catch (e) {
      if (!isEngineError(e)) throw e;
      rejected.push({ name: entry.name, code: e.code, message: e.message });
    }
  }
  return { images, rejected };
}
