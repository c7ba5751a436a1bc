import type { ContentType } from '../types.js';

/**
 * End-of-file markers that tell a finished scan from one a scanner is still
 * writing (docs/architecture.md#from-file-to-concur). Only the tail is looked at, so readiness can poll big
 * files cheaply.
 */

/** How many bytes from the end the markers are looked for in. */
export const TAIL_BYTES = 1024;

const PDF_EOF = Buffer.from('%%EOF', 'latin1');
// IEND chunk: zero length, type, and its fixed CRC.
const PNG_IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** Some scanners and copy tools pad files with NULs or line breaks after the real end. */
function isPadding(byte: number): boolean {
  return byte === 0x00 || byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Index just past the last non-padding byte. */
function contentEnd(tail: Uint8Array): number {
  let end = tail.length;
  while (end > 0 && isPadding(tail[end - 1])) end--;
  return end;
}

function endsWith(tail: Uint8Array, end: number, marker: Uint8Array): boolean {
  if (end < marker.length) return false;
  for (let i = 0; i < marker.length; i++) {
    if (tail[end - marker.length + i] !== marker[i]) return false;
  }
  return true;
}

/** Whether the last bytes of a file of this type show its proper end. */
export function hasCompleteEnd(contentType: ContentType, tail: Uint8Array): boolean {
  const end = contentEnd(tail);
  switch (contentType) {
    case 'application/pdf':
      // %%EOF may be followed only by padding: anything else is an update still being appended.
      return endsWith(tail, end, PDF_EOF);
    case 'image/jpeg':
      return end >= 2 && tail[end - 2] === 0xff && tail[end - 1] === 0xd9;
    case 'image/png':
      return endsWith(tail, end, PNG_IEND);
  }
}
