/** What went wrong while fetching the model; the CLI prints the message and exits 1. */
export type ModelFetchErrorCode =
  'BAD_ARGUMENT' | 'DOWNLOAD_FAILED' | 'DOWNLOAD_TRUNCATED' | 'CHECKSUM_MISMATCH' | 'CONVERSION_FAILED' | 'VERIFICATION_FAILED';

/**
 * An error of `npm run model:fetch` whose message is meant for the user as it stands: what
 * failed, and what to do (run again to resume, or check MODEL_BASE_URL).
 */
export class ModelFetchError extends Error {
  constructor(
    readonly code: ModelFetchErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ModelFetchError';
  }
}

export const isModelFetchError = (e: unknown): e is ModelFetchError => e instanceof ModelFetchError;
