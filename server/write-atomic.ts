import { renameSync, writeFileSync } from 'node:fs';

/** Write-then-rename, so an interrupted write never leaves a half file that looks finished. */
export function writeAtomic(path: string, data: Uint8Array | string) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
