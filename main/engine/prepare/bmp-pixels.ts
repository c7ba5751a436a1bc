/**
 * sharp's prebuilt libvips has no BMP loader. Scanners write BMP uncompressed
 * (24 or 32 bits per pixel), so the pixels are already raw: this reads the
 * header, refuses anything else with a plain reason, and hands the rows to
 * sharp as raw RGB. No decompression happens here.
 */

export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

export class UnreadableImageError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnreadableImageError';
  }
}

/** Pixel count of a BMP, from its header alone (for the decompression-bomb check). */
export function bmpSize(bytes: Buffer): { width: number; height: number } {
  if (bytes.length < 54 || bytes.toString('latin1', 0, 2) !== 'BM')
    throw new UnreadableImageError('The BMP image is damaged (its header is cut off).');
  return { width: bytes.readInt32LE(18), height: Math.abs(bytes.readInt32LE(22)) };
}

export function bmpPixels(bytes: Buffer): RawPixels {
  const { width, height } = bmpSize(bytes);
  const offset = bytes.readUInt32LE(10);
  const bottomUp = bytes.readInt32LE(22) > 0;
  const bpp = bytes.readUInt16LE(28);
  const compression = bytes.readUInt32LE(30);
  // 3 (bit fields) with 32 bpp is the usual BGRA/BGRX layout.
  if ((bpp !== 24 && bpp !== 32) || !(compression === 0 || (compression === 3 && bpp === 32)))
    throw new UnreadableImageError(
      `This BMP image uses ${bpp} bits per pixel${compression ? ' with compression' : ''}; Concur Drop reads only uncompressed 24- and 32-bit BMP. Save the scan as JPEG, PNG, TIFF or PDF instead.`,
    );
  if (width <= 0 || height <= 0) throw new UnreadableImageError('The BMP image is damaged.');
  const step = bpp / 8;
  const stride = Math.ceil((width * step) / 4) * 4;
  if (offset + stride * height > bytes.length)
    throw new UnreadableImageError('The BMP image is incomplete (cut off before its end).');
  const data = Buffer.allocUnsafe(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (bottomUp ? height - 1 - y : y) * stride;
    let out = y * width * 3;
    for (let x = 0; x < width; x++) {
      const at = row + x * step;
      data[out++] = bytes[at + 2];
      data[out++] = bytes[at + 1];
      data[out++] = bytes[at];
    }
  }
  return { data, width, height, channels: 3 };
}
