import { EngineError } from '../errors/engine-error.js';

/** `data:[<mime>][;base64],<data>` (RFC 2397). */
export function parseDataUrl(url: string): Uint8Array {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(url.trim());
  if (!m) throw new EngineError('BAD_IMAGE', 'dataUrl is not a data: URL (expected `data:image/png;base64,...`).');
  return m[2] ? Buffer.from(m[3], 'base64') : Buffer.from(decodeURIComponent(m[3]), 'latin1');
}
