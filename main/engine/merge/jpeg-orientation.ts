/**
 * The EXIF orientation of a JPEG. Phones store a receipt photo as the sensor
 * saw it and only tag it "rotate 90°"; image viewers honour the tag, but a PDF
 * page does not, so merged photos would lie sideways without it.
 */

/** EXIF orientation 1–8 (1 = as stored); 1 when the JPEG has no readable tag. */
export function jpegOrientation(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0xffd8) return 1;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return 1;
    const marker = bytes[offset + 1];
    // Start of scan or end of image: EXIF always comes before the image data.
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = view.getUint16(offset + 2);
    if (marker === 0xe1 && isExifHeader(bytes, offset + 4)) {
      return readOrientation(view, offset + 10, Math.min(bytes.length, offset + 2 + length));
    }
    offset += 2 + length;
  }
  return 1;
}

function isExifHeader(bytes: Uint8Array, at: number): boolean {
  const header = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
  return header.every((b, i) => bytes[at + i] === b);
}

/** Reads tag 0x0112 from IFD0 of the TIFF structure starting at `tiff`. */
function readOrientation(view: DataView, tiff: number, end: number): number {
  if (tiff + 8 > end) return 1;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return 1; // "II" little endian, "MM" big endian
  const little = order === 0x4949;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 1;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return 1;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/**
 * Clockwise rotation that shows the image upright. Mirrored orientations
 * (2, 4, 5, 7) come from selfie cameras, not receipt photos: their rotation
 * is applied and the mirroring left out.
 */
export function uprightRotation(orientation: number): 0 | 90 | 180 | 270 {
  switch (orientation) {
    case 3:
    case 4:
      return 180;
    case 5:
    case 6:
      return 90;
    case 7:
    case 8:
      return 270;
    default:
      return 0;
  }
}
