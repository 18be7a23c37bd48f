/**
 * A channel's compact map (ChannelMap: signed bytes on the layer's grid, from the snapshot) as
 * a `data:image/png` URL, drawn in the browser as the server's heatmapPng draws it: blue for
 * positive, red for negative, opacity |byte| / 127. The PNG is tiny (14x14 at mixed4d), so it
 * is written uncompressed (stored deflate blocks): no canvas, no zlib, works under jsdom.
 */

const POSITIVE = [33, 102, 172];
const NEGATIVE = [178, 24, 43];
const LEVELS = 127;

export interface CompactMap {
  height: number;
  width: number;
  /** base64 of height x width signed bytes. */
  cells: string;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1,
    b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Signed bytes from base64. */
export function decodeCells(cells: string): Int8Array {
  const s = atob(cells);
  const out = new Int8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = (s.charCodeAt(i) << 24) >> 24;
  return out;
}

/** RGBA PNG bytes of width x height pixels. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  // Raw scanlines: filter byte 0 (none) before each row.
  const raw = new Uint8Array(height * (1 + width * 4));
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (1 + width * 4) + 1);
  // zlib stream of stored blocks (at most 65535 bytes each).
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const zlib = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  zlib[0] = 0x78;
  zlib[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const part = raw.subarray(b * 65535, Math.min(raw.length, (b + 1) * 65535));
    zlib[o++] = b === blocks - 1 ? 1 : 0;
    zlib[o++] = part.length & 0xff;
    zlib[o++] = part.length >>> 8;
    zlib[o++] = ~part.length & 0xff;
    zlib[o++] = (~part.length >>> 8) & 0xff;
    zlib.set(part, o);
    o += part.length;
  }
  new DataView(zlib.buffer).setUint32(o, adler32(raw));

  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
  const chunks: [string, Uint8Array][] = [
    ['IHDR', ihdr],
    ['IDAT', zlib],
    ['IEND', new Uint8Array(0)],
  ];
  const out = new Uint8Array(8 + chunks.reduce((n, [, d]) => n + 12 + d.length, 0));
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(out.buffer);
  let p = 8;
  for (const [type, data] of chunks) {
    view.setUint32(p, data.length);
    for (let i = 0; i < 4; i++) out[p + 4 + i] = type.charCodeAt(i);
    out.set(data, p + 8);
    view.setUint32(p + 8 + data.length, crc32(out, p + 4, p + 8 + data.length));
    p += 12 + data.length;
  }
  return out;
}

/** The heatmap's RGBA pixels: colour by sign, opacity by magnitude. */
export function heatmapPixels(cells: Int8Array): Uint8Array {
  const rgba = new Uint8Array(cells.length * 4);
  for (let p = 0; p < cells.length; p++) {
    const v = cells[p];
    rgba.set(v >= 0 ? POSITIVE : NEGATIVE, p * 4);
    rgba[p * 4 + 3] = Math.round((255 * Math.abs(v)) / LEVELS);
  }
  return rgba;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

/** Drawn maps by their cells: a snapshot repeats most of the last one's channels unchanged. */
const drawn = new Map<string, string>();
const DRAWN_LIMIT = 512;

export function channelMapDataUrl(map: CompactMap): string {
  const key = `${map.width}x${map.height}:${map.cells}`;
  let url = drawn.get(key);
  if (url === undefined) {
    const cells = decodeCells(map.cells);
    if (cells.length !== map.width * map.height)
      throw new Error(`A ${map.width}x${map.height} map needs ${map.width * map.height} cells, got ${cells.length}.`);
    url = `data:image/png;base64,${toBase64(encodePng(map.width, map.height, heatmapPixels(cells)))}`;
    if (drawn.size >= DRAWN_LIMIT) drawn.delete(drawn.keys().next().value!);
    drawn.set(key, url);
  }
  return url;
}
