import decodeBmp from 'decode-bmp';
import type { Message } from '../i18n/translate.js';

/**
 * sharp's prebuilt libvips has no BMP loader, so a small decoder (decode-bmp:
 * 1, 4, 8, 24 and 32 bits per pixel, palettes, either row order) turns a BMP
 * into RGBA pixels, handed to sharp. Only the header's size is read here
 * first, so a decompression bomb is refused before anything is decoded.
 * Run-length-compressed BMPs (rare from scanners) are refused plainly.
 */

export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  /** RGBA; the alpha of a BMP is not meaningful and is dropped by the caller. */
  channels: 4;
}

/**
 * An image that cannot be read: `reason` in English for the log, `text` the
 * same as a catalog key (a plain object: the prepare worker loads no catalogs).
 */
export class UnreadableImageError extends Error {
  constructor(
    reason: string,
    readonly text: Message,
  ) {
    super(reason);
    this.name = 'UnreadableImageError';
  }
}

/** Pixel count of a BMP, from its header alone (for the decompression-bomb check). */
export function bmpSize(bytes: Buffer): { width: number; height: number } {
  if (bytes.length < 54 || bytes.toString('latin1', 0, 2) !== 'BM')
    throw new UnreadableImageError('The BMP image is damaged (its header is cut off).', {
      key: 'prep.bmpHeader',
    });
  return { width: bytes.readInt32LE(18), height: Math.abs(bytes.readInt32LE(22)) };
}

export function bmpPixels(bytes: Buffer): RawPixels {
  const { width, height } = bmpSize(bytes);
  if (width <= 0 || height <= 0)
    throw new UnreadableImageError('The BMP image is damaged.', { key: 'prep.bmpDamaged' });
  // 1 and 2: RLE8 and RLE4, which decode-bmp does not read.
  if (bytes.length >= 34 && [1, 2].includes(bytes.readUInt32LE(30)))
    throw new UnreadableImageError(
      'This BMP image is compressed (RLE), which Concur Drop cannot read. Save the scan as JPEG, PNG, TIFF or PDF instead.',
      { key: 'prep.bmpRle' },
    );
  let decoded;
  try {
    decoded = decodeBmp(bytes);
  } catch {
    throw new UnreadableImageError('The BMP image is damaged or cut off before its end.', {
      key: 'prep.bmpCut',
    });
  }
  const data = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
  return { data, width: decoded.width, height: decoded.height, channels: 4 };
}
