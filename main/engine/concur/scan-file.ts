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
async function* fileChunks(
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

/**
 * A scan ready to go: what was learnt before a byte went out, then its body.
 * `chunks` is read once; `close` is called however the request ended.
 */
export interface Scan {
  size: number;
  contentType: ContentType;
  chunks(expected?: { sha256: string }): AsyncGenerator<Buffer>;
  close(): Promise<void>;
}

type OpenedScan = Scan | { refusal: UploadOutcome };

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
    const tooBig = sizeRefusal(name, stat.size);
    if (tooBig) throw new Error(tooBig);
    // One byte spare: the last read asks for one more, to see a file that grew.
    const buffer = Buffer.allocUnsafe(Math.min(SEND_CHUNK_BYTES, stat.size) + 1);
    // A read error carries its code: the refusal below names it.
    const bytesRead = await readChunk(handle, buffer, 0, stat.size, checked);
    const type = typeOf(name, buffer.subarray(0, bytesRead));
    if (typeof type !== 'object') throw new Error(type);
    const first = { buffer, bytesRead };
    return {
      size: stat.size,
      contentType: type.contentType,
      chunks: (expected) => fileChunks(handle, stat.size, first, expected),
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    if (error instanceof Error && !('code' in error)) return { refusal: refused(error.message) };
    const code = errorCode(error);
    return { refusal: refused(`Could not read ${name} (${code}).`, code) };
  }
}

/**
 * The scan from bytes the engine already holds: a small receipt read whole
 * and hashed when it was inspected (it is `expect`'s version by construction,
 * so it is not hashed again). The file is not opened a second time.
 * `confirm` runs while the body goes out, and the last byte, which completes
 * it, goes only if it says the file is still that version: a scan replaced
 * meanwhile is cut short like one whose read bytes differ.
 */
export function heldScan(
  filePath: string,
  bytes: Uint8Array,
  confirm?: () => Promise<boolean>,
): OpenedScan {
  const name = basename(filePath);
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = sizeRefusal(name, body.length) ?? typeOf(name, body);
  if (typeof type !== 'object') return { refusal: refused(type) };
  return {
    size: body.length,
    contentType: type.contentType,
    chunks: async function* () {
      if (!confirm) return yield body;
      const confirmed = confirm();
      yield body.subarray(0, body.length - 1);
      if (!(await confirmed)) throw new ScanChanged();
      yield body.subarray(body.length - 1);
    },
    close: () => Promise.resolve(),
  };
}

/** Why a scan of this size cannot go, if it cannot. */
function sizeRefusal(name: string, size: number): string | undefined {
  if (size === 0) return `${name} is empty.`;
  if (size > MAX_IMAGE_BYTES) return `${name} is larger than Concur's 10 MB limit for one image.`;
  return undefined;
}

/** The type its first bytes show, or why Concur takes no such file. */
function typeOf(name: string, head: Buffer): { contentType: ContentType } | string {
  const sniffed = sniffContentType(head.subarray(0, SNIFF_BYTES));
  if (isUploadable(sniffed)) return { contentType: sniffed };
  return `${name} is a ${describeType(sniffed)}; Concur accepts only PDF, JPEG and PNG.`;
}

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
