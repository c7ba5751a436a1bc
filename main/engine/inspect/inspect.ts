import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { ContentType } from '../types.js';
import { describeType, isUploadable, sniffContentType } from './file-type.js';
import type { SniffedType } from './file-type.js';
import { PdfEncryptionScanner } from './pdf-encryption.js';
import { hasCompleteEnd, TAIL_BYTES } from './structure.js';

/**
 * What the engine asks of a file before it uploads it (DESIGN §3.1–3.2): is
 * it a finished scan, and is it something Concur will take. Reasons are
 * written for the person who dropped the file.
 */

/** Concur's limit per image (DESIGN §1). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** Leading bytes read to sniff the type and tell text from binary. */
const HEAD_BYTES = 512;
/** Read size for hashing: big enough to be fast, small enough to keep memory flat. */
const CHUNK_BYTES = 1024 * 1024;

export type Completeness = 'complete' | 'incomplete' | 'unknown-type';

export type Inspection =
  | { ok: true; contentType: ContentType; size: number; sha256: string }
  | { ok: false; reason: string };

/** The path is a directory, FIFO, socket or device: never a scan. The message says which. */
export class NotAFileError extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`"${path}" is ${what}, not a regular file.`);
    this.name = 'NotAFileError';
  }
}

/** The file grew or shrank while it was being read: not ready yet, check again later. */
export class FileChangedError extends Error {
  constructor(readonly path: string) {
    super(`"${path}" changed while it was being read.`);
    this.name = 'FileChangedError';
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}

// O_NONBLOCK: if the path was swapped for a FIFO after the stat, open returns at once instead of
// waiting for a writer. Windows has neither FIFOs of this kind nor the flag.
const OPEN_FLAGS =
  process.platform === 'win32' ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NONBLOCK;

/** Stats first (never opening a FIFO or device), then opens and checks the handle is still a regular file. */
async function openRegularFile(path: string): Promise<{ handle: FileHandle; stats: Stats }> {
  const before = await stat(path);
  if (!before.isFile()) throw new NotAFileError(path, kindOf(before));
  const handle = await open(path, OPEN_FLAGS);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotAFileError(path, kindOf(stats));
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

async function headAndTail(handle: FileHandle, size: number): Promise<[Buffer, Buffer]> {
  const head = await readAt(handle, 0, Math.min(HEAD_BYTES, size));
  if (head.length === size) return [head, head.subarray(Math.max(0, size - TAIL_BYTES))];
  const tailStart = Math.max(0, size - TAIL_BYTES);
  return [head, await readAt(handle, tailStart, size - tailStart)];
}

/** Some copy tools and scanners reserve the whole size first and fill it in later. */
function isAllNul(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/**
 * Structure check used by readiness: PDF `%%EOF`, JPEG `FF D9`, PNG `IEND` at
 * the end (trailing NUL/whitespace padding allowed). Reads only head and tail.
 * An empty file or one of another type is 'unknown-type': waiting will not
 * help, inspection gives the reason. A file that starts with NULs is
 * 'incomplete' (space reserved, content still coming). Throws NotAFileError for non-files and
 * the fs error (ENOENT, EACCES…) when the file cannot be read.
 */
export async function checkCompleteness(
  path: string,
): Promise<{ completeness: Completeness; size: number; mtimeMs: number }> {
  const { handle, stats } = await openRegularFile(path);
  try {
    const { size, mtimeMs } = stats;
    if (size === 0) return { completeness: 'unknown-type', size, mtimeMs };
    const [head, tail] = await headAndTail(handle, size);
    if (isAllNul(head)) return { completeness: 'incomplete', size, mtimeMs };
    const type = sniffContentType(head);
    if (!isUploadable(type)) return { completeness: 'unknown-type', size, mtimeMs };
    const completeness = hasCompleteEnd(type, tail) ? 'complete' : 'incomplete';
    return { completeness, size, mtimeMs };
  } finally {
    await handle.close();
  }
}

/** "a GIF image", "an Office document or ZIP archive". */
function withArticle(words: string): string {
  return /^[aeiouAEIOU]/.test(words) ? `an ${words}` : `a ${words}`;
}

/** Text has no NULs and few control characters; scanners never produce it. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let control = 0;
  for (const byte of head) {
    if (byte === 0) return false;
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) control++;
  }
  return control / head.length < 0.02;
}

function unsupportedReason(type: SniffedType, head: Uint8Array): string {
  if (type === 'unknown') {
    const looks = looksLikeText(head) ? 'it looks like text' : 'its content is not recognised';
    return `This file is not a PDF, JPEG or PNG (${looks}).`;
  }
  return `This is ${withArticle(describeType(type))}; Concur accepts only PDF, JPEG and PNG.`;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function incompleteReason(type: ContentType): string {
  const what = type === 'application/pdf' ? 'PDF' : `${describeType(type)}`;
  return `The ${what} is incomplete (cut off before its end).`;
}

/**
 * Full check before upload: regular file, not empty, type from magic bytes,
 * ≤ MAX_IMAGE_BYTES, structurally complete, PDF not encrypted; sha256 streamed
 * (memory stays flat). A bad file gives `{ ok: false, reason }`. Throws
 * NotAFileError for non-files, FileChangedError when the file changes while
 * being read, and the fs error when it cannot be read (e.g. deleted).
 */
export async function inspectFile(path: string): Promise<Inspection> {
  const { handle, stats } = await openRegularFile(path);
  try {
    const size = stats.size;
    if (size === 0) return { ok: false, reason: 'The file is empty.' };
    const [head, tail] = await headAndTail(handle, size);
    const type = sniffContentType(head);
    if (!isUploadable(type)) return { ok: false, reason: unsupportedReason(type, head) };
    if (size > MAX_IMAGE_BYTES) {
      return {
        ok: false,
        reason: `The file is ${megabytes(size)}; Concur accepts at most 10 MB.`,
      };
    }
    if (!hasCompleteEnd(type, tail)) return { ok: false, reason: incompleteReason(type) };

    const scanner = type === 'application/pdf' ? new PdfEncryptionScanner() : null;
    const { sha256, bytes } = await hashHandle(handle, (chunk) => scanner?.push(chunk));
    if (bytes !== size) throw new FileChangedError(path);
    if (scanner?.encrypted) {
      return {
        ok: false,
        reason: 'The PDF is password protected (encrypted); Concur cannot accept it.',
      };
    }
    return { ok: true, contentType: type, size, sha256 };
  } finally {
    await handle.close();
  }
}

async function hashHandle(
  handle: FileHandle,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(CHUNK_BYTES);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    onChunk?.(chunk);
    position += bytesRead;
  }
  return { sha256: hash.digest('hex'), bytes: position };
}

/** SHA-256 (hex) of a file's content, streamed in 1 MB reads. */
export async function sha256File(path: string): Promise<string> {
  const { handle } = await openRegularFile(path);
  try {
    return (await hashHandle(handle)).sha256;
  } finally {
    await handle.close();
  }
}
