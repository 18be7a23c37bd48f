/**
 * Who runs which image of a multi-image job when several worker processes share it: each image
 * is claimed by one process at a time, for a lease the holder renews while it runs, so that the
 * images of a dead worker go to another once its lease runs out.
 */
export interface ImageClaims {
  /** True when this process now holds the image: nobody held it, or the holder's lease ran out. */
  claim(jobId: string, imageIndex: number): Promise<boolean>;
  /** Keeps this process's claim alive while the image runs. */
  renew(jobId: string, imageIndex: number): Promise<void>;
  /** Lets the image go (done, or given up). */
  release(jobId: string, imageIndex: number): Promise<void>;
  /** Asks up to `helpers` other processes to take images of the job too. */
  recruit(jobId: string, imageId: string, helpers: number): Promise<void>;
  /** The lease: a claim not renewed for this long is free again. */
  readonly leaseMs: number;
}
