import { EngineError } from '../errors/engine-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { StoredImage } from '../images/image-library.js';
import type { JobInput, SkippedImage } from './job-record.js';

/**
 * The images of a job input, checked before anything is stored: one `imageId` must exist
 * (NOT_FOUND); a batch (`imageIds`) loses its repeats, and the ids that name no image are listed
 * by id and name in one BAD_IMAGES error, or, with `skipBadImages`, left out and kept in
 * `skippedImages`. The input returned names its images as the job will run them.
 */
export function checkImages(input: JobInput, images: { get(id: string): StoredImage | null }): JobInput {
  if (input.imageIds == null) {
    if (!input.imageId) throw new EngineError('BAD_ARGUMENT', 'Give imageId (one image) or imageIds (several).');
    if (!images.get(input.imageId)) throw new NotFoundError('image', input.imageId);
    return input;
  }
  if (input.imageIds.length === 0) throw new EngineError('BAD_ARGUMENT', 'imageIds is empty: give one or more image ids.');
  const ids = [...new Set(input.imageIds.map(String))];
  const bad: SkippedImage[] = ids.filter((id) => !images.get(id)).map((imageId) => ({ imageId, reason: 'no such image' }));
  if (bad.length && !input.skipBadImages) {
    throw new EngineError(
      'BAD_IMAGES',
      `${bad.length} of ${ids.length} images cannot be attributed, so nothing was started (skipBadImages leaves them out): ` +
        bad.map((b) => `${b.imageId} (${b.reason})`).join('; ') +
        '.',
      { images: bad },
    );
  }
  const kept = ids.filter((id) => !bad.some((b) => b.imageId === id));
  if (kept.length === 0) throw new EngineError('BAD_IMAGES', 'None of the images can be attributed.', { images: bad });
  return { ...input, imageId: kept[0], imageIds: kept, skippedImages: bad.length ? bad : null };
}
