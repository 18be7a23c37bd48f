import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Sprite file of a channel inside a spritemap's folder: sprites/0042.png. */
export const spriteFile = (dir: string, channel: number) => join(dir, 'sprites', `${String(channel).padStart(4, '0')}.png`);

/** Write-then-rename, so an interrupted write never leaves a half file that looks finished. */
export function writeAtomic(path: string, data: Uint8Array | string) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
