import type { ContentType } from '../types.js';

/**
 * Content type from the first bytes, never from the name: Concur rejects an
 * image whose Content-Type does not match its bytes (docs/architecture.md#concurs-rules).
 */

/** How many leading bytes sniffContentType needs. */
export const SNIFF_BYTES = 16;

export type SniffedType =
  | ContentType
  | 'image/gif'
  | 'image/tiff'
  | 'image/heic'
  | 'image/webp'
  | 'image/bmp'
  | 'application/zip'
  | 'application/x-ole-storage'
  | 'unknown';

export function sniffContentType(head: Uint8Array): SniffedType {
  const b = head;
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  const ascii = (from: number, s: string) =>
    [...s].every((c, i) => b[from + i] === c.charCodeAt(0));
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf'; // %PDF-
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'image/tiff';
  if (
    ascii(4, 'ftyp') &&
    (ascii(8, 'heic') || ascii(8, 'heix') || ascii(8, 'mif1') || ascii(8, 'heif'))
  )
    return 'image/heic';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(0, 'BM')) return 'image/bmp';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'application/zip';
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return 'application/x-ole-storage';
  return 'unknown';
}

export function isUploadable(t: SniffedType): t is ContentType {
  return t === 'application/pdf' || t === 'image/jpeg' || t === 'image/png';
}

/** A name for a sniffed type a user would recognise, for failure reasons. */
export function describeType(t: SniffedType): string {
  switch (t) {
    case 'application/pdf':
      return 'PDF';
    case 'image/jpeg':
      return 'JPEG image';
    case 'image/png':
      return 'PNG image';
    case 'image/gif':
      return 'GIF image';
    case 'image/tiff':
      return 'TIFF image';
    case 'image/heic':
      return 'HEIC photo';
    case 'image/webp':
      return 'WebP image';
    case 'image/bmp':
      return 'BMP image';
    case 'application/zip':
      return 'Office document or ZIP archive';
    case 'application/x-ole-storage':
      return 'old Office document';
    default:
      return 'file of an unknown type';
  }
}

/** The catalog's name of a type (`fileType.pdf`, `fileType.zip`, …), as people are told it. */
export function typeKey(type: SniffedType): string {
  const sub = type.split('/')[1] ?? 'unknown';
  if (sub === 'x-ole-storage') return 'ole';
  return ['pdf', 'jpeg', 'png', 'gif', 'tiff', 'heic', 'webp', 'bmp', 'zip'].includes(sub)
    ? sub
    : 'unknown';
}
