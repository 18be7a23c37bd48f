import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What `--images` names: each file given, or the PNG and JPEG files of a folder, by name. */
export function imageFiles(paths: readonly string[]): { files: string[]; unreadable: { file: string; reason: string }[] } {
  const files: string[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      unreadable.push({ file: path, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message });
      continue;
    }
    if (!isDir) files.push(path);
    else
      files.push(
        ...readdirSync(path)
          .filter((n) => /\.(png|jpe?g)$/i.test(n))
          .sort()
          .map((n) => join(path, n)),
      );
  }
  return { files, unreadable };
}

/** A file's bytes, or why they cannot be read. */
export function readBytes(file: string): Uint8Array | { reason: string } {
  try {
    return readFileSync(file);
  } catch (e) {
    return { reason: (e as Error).message };
  }
}
