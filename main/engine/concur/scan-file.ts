import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { basename } from 'node:path';
import { describeType, isUploadable, sniffContentType, SNIFF_BYTES } from '../inspect/file-type.js';
import { MAX_IMAGE_BYTES } from '../inspect/inspect.js';
import type { ReadHandle } from '../ports/file-system.js';
import { openForReading } from '../ports/node-file-system.js';
import type { ContentType } from '../types.js';
import type { UploadOutcome } from './concur-outcome.js';

/**
 * The scan as the Concur client sends it: opened and checked once before a
 * byte goes (a file, its type from its first chunk, its size), then read in
 * chunks that are hashed on the way, so only the inspected version can
 * complete a request (docs/architecture.md, "What keeps a scan from being
 * lost or sent twice").
 */

/** Bytes read and written at a time; one such buffer per upload in flight. */
const SEND_CHUNK_BYTES = 256 * 1024;

/** The bytes read are not the inspected version of the scan (overwritten, grown or cut). */
export class ScanChanged extends Error {
  constructor() {
    super('The scan is not the version that was inspected.');
    this.name = 'ScanChanged';
  }
}

/** The scan could not be read (or got shorter) while it was being sent. */
export class ScanReadError extends Error {
  constructor(readonly code: string) {
    super(`The scan could not be read while it was being sent (${code}).`);
    this.name = 'ScanReadError';
  }
}

/**
 * The first `size` bytes of the scan, read into one buffer that is reused for
 * every chunk. Each chunk's write callback (the bytes are in the socket) is
 * waited for before the next is read, so the buffer is free again by then. A
 * read stream allocates a fresh buffer per chunk instead, and ten 9 MB uploads
 * left ~90 MB of them for the garbage collector: peak memory grew with file
 * size, which docs/architecture.md#performance-targets rules out. `first` is
 * the first chunk, read when the scan was opened (its type was sniffed from it).
 */
export async function* fileChunks(
  handle: ReadHandle,
  size: number,
  first: FirstChunk,
  expected?: { sha256: string },
): AsyncGenerator<Buffer> {
  const { buffer } = first;
  const hash = expected && createHash('sha256');
  let position = 0;
  let ahead: number | undefined = first.bytesRead;
  while (position < size) {
    const bytesRead = ahead ?? (await readChunk(handle, buffer, position, size, !!expected));
    ahead = undefined;
    if (bytesRead === 0) throw expected ? new ScanChanged() : new ScanReadError('it got shorter');
    // One byte past `size` came with the last read: the file grew since it was inspected.
    const grew = bytesRead > size - position;
    const chunk = buffer.subarray(0, Math.min(bytesRead, size - position));
    position += chunk.length;
    if (hash) {
      hash.update(chunk);
      // Held back until the bytes are known to be the inspected version: without
      // this last chunk the body never completes, so Concur cannot make an image.
      if (position === size && (grew || hash.digest('hex') !== expected.sha256))
        throw new ScanChanged();
    }
    yield chunk;
  }
}

/** The scan's first chunk, read while it was opened, and the buffer every chunk is read into. */
interface FirstChunk {
  buffer: Buffer;
  bytesRead: number;
}

/**
 * Reads the chunk at `position`; the last one asks for a byte more when the
 * version is checked, so a file that grew shows without a read of its own.
 */
async function readChunk(
  handle: ReadHandle,
  buffer: Buffer,
  position: number,
  size: number,
  checked: boolean,
): Promise<number> {
  const chunk = buffer.length - 1;
  const left = size - position;
  const length = left <= chunk ? left + (checked ? 1 : 0) : chunk;
  try {
    return await handle.read(buffer, 0, length, position);
  } catch (error) {
    throw new ScanReadError(errorCode(error));
  }
}

export function refused(message: string, unreadable?: string): UploadOutcome {
  return unreadable === undefined
    ? { kind: 'rejected', status: 0, message }
    : { kind: 'rejected', status: 0, message, unreadable };
}

type OpenedScan =
  | { handle: ReadHandle; size: number; contentType: ContentType; first: FirstChunk }
  | { refusal: UploadOutcome };

/**
 * Opens the scan and checks what can be known before sending: it is a file,
 * its type (from the first chunk, which is then the first sent), its size.
 */
export async function openScan(filePath: string, checked: boolean): Promise<OpenedScan> {
  const name = basename(filePath);
  let handle: ReadHandle;
  try {
    // O_NONBLOCK: a named pipe called scan.pdf must not block the open forever.
    handle = await openForReading(filePath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = errorCode(error);
    return { refusal: refused(`Could not open ${name} (${code}).`, code) };
  }
  try {
    const stat = await handle.stat();
    if (stat.kind !== 'file') throw new Error(`${name} is not a regular file.`);
    if (stat.size === 0) throw new Error(`${name} is empty.`);
    if (stat.size > MAX_IMAGE_BYTES)
      throw new Error(`${name} is larger than Concur's 10 MB limit for one image.`);
    // One byte spare: the last read asks for one more, to see a file that grew.
    const buffer = Buffer.allocUnsafe(Math.min(SEND_CHUNK_BYTES, stat.size) + 1);
    // A read error carries its code: the refusal below names it.
    const bytesRead = await readChunk(handle, buffer, 0, stat.size, checked);
    const sniffed = sniffContentType(buffer.subarray(0, Math.min(bytesRead, SNIFF_BYTES)));
    if (!isUploadable(sniffed))
      throw new Error(
        `${name} is a ${describeType(sniffed)}; Concur accepts only PDF, JPEG and PNG.`,
      );
    return { handle, size: stat.size, contentType: sniffed, first: { buffer, bytesRead } };
  } catch (error) {
    await handle.close();
    if (error instanceof Error && !('code' in error)) return { refusal: refused(error.message) };
    const code = errorCode(error);
    return { refusal: refused(`Could not read ${name} (${code}).`, code) };
  }
}

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
