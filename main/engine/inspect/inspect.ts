import { createHash } from 'node:crypto';
import {
  errorCode,
  type EntryKind,
  type FileStat,
  type FileSystem,
  type ReadHandle,
} from '../ports/file-system.js';
import { nodeFileSystem } from '../ports/node-file-system.js';
import type { ContentType } from '../types.js';
import type { ErrorCode } from '../lifecycle/codes.js';
import { msg, reasonOf, type Message } from '../i18n/translate.js';
import { isUploadable, sniffContentType, typeKey } from './file-type.js';
import type { SniffedType } from './file-type.js';
import { PdfEncryptionScanner } from './pdf-encryption.js';
import { hasCompleteEnd, TAIL_BYTES } from './structure.js';

/**
 * What the engine asks of a file before it uploads it (docs/architecture.md#from-file-to-concur): is
 * it a finished scan, and is it something Concur will take. Reasons are
 * written for the person who dropped the file.
 */

/** Concur's limit per image (docs/architecture.md#concurs-rules). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** Leading bytes read to sniff the type and tell text from binary. */
const HEAD_BYTES = 512;
/** Read size for hashing: big enough to be fast, small enough to keep memory flat. */
const CHUNK_BYTES = 1024 * 1024;

export type Completeness = 'complete' | 'incomplete' | 'unknown-type';

export type Inspection =
  | { ok: true; contentType: ContentType; size: number; sha256: string; mtimeMs: number }
  /** Concur cannot take it as it is (another type, over 10 MB): it can be prepared. */
  | { ok: 'prepare'; from: SniffedType; size: number; sha256: string; mtimeMs: number }
  | { ok: false; reason: string; code: ErrorCode; text?: Message };

/** What may be prepared rather than refused (the `convert` and `shrink` settings). */
export interface Preparable {
  convert?: boolean;
  shrink?: boolean;
}

/** Types the preparing worker turns into JPEG, PNG or PDF. */
export const CONVERTIBLE: ReadonlySet<SniffedType> = new Set([
  'image/tiff',
  'image/heic',
  'image/webp',
  'image/gif',
  'image/bmp',
]);

/** The path is a directory, FIFO, socket or device: never a scan. The message says which. */
export class NotAFileError extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
    /** What it is instead, so each host can say so in its language. */
    readonly kind?: EntryKind,
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

/** Words for what is at a path that is not a regular file. */
export function describeKind(kind: EntryKind): string {
  switch (kind) {
    case 'dir':
      return 'a folder';
    case 'pipe':
      return 'a named pipe';
    case 'socket':
      return 'a socket';
    case 'device':
      return 'a device';
    case 'link':
      return 'a shortcut (symbolic link), which is not followed';
    default:
      return 'not a file';
  }
}

/**
 * Opens the file and checks the handle is a regular file. Where open() could
 * follow a link or wait on a FIFO (Windows, the simulator's file system), it
 * looks at the path first; where it cannot, that look is a stat per file saved.
 */
async function openRegularFile(
  fs: FileSystem,
  path: string,
): Promise<{ handle: ReadHandle; stats: FileStat }> {
  if (!fs.opensSafely) {
    const before = await fs.lstat(path);
    if (before.kind !== 'file')
      throw new NotAFileError(path, describeKind(before.kind), before.kind);
  }
  const handle = await fs.open(path).catch((error: unknown) => {
    // O_NOFOLLOW's answer to a link; a socket cannot be opened at all.
    const kind = { ELOOP: 'link', ENXIO: 'socket' }[errorCode(error) ?? ''] as
      EntryKind | undefined;
    throw kind ? new NotAFileError(path, describeKind(kind), kind) : error;
  });
  try {
    const stats = await handle.stat();
    if (stats.kind !== 'file') throw new NotAFileError(path, describeKind(stats.kind), stats.kind);
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Up to `length` bytes from `position`. Reading stops once `enough` have come: asked for one
 * byte more than a file's size, a read that brings the whole file ends it (another would only
 * say the file ends there).
 */
async function readAt(
  handle: ReadHandle,
  position: number,
  length: number,
  enough = length,
): Promise<Buffer> {
  // Only the bytes read are ever seen (the subarray below): no need to zero the rest.
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < enough) {
    const bytesRead = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Up to this size the structure check reads a file whole: one read costs less than two. */
const ONE_READ_BYTES = 64 * 1024;

async function headAndTail(handle: ReadHandle, size: number): Promise<[Buffer, Buffer]> {
  const head = await readAt(handle, 0, Math.min(HEAD_BYTES, size));
  if (head.length === size) return [head, head.subarray(Math.max(0, size - TAIL_BYTES))];
  const tailStart = Math.max(0, size - TAIL_BYTES);
  return [head, await readAt(handle, tailStart, size - tailStart)];
}

/** Some copy tools and scanners reserve the whole size first and fill it in later. */
function isAllNul(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

export interface CompletenessCheck {
  completeness: Completeness;
  size: number;
  mtimeMs: number;
  /**
   * The whole file, when it was small enough to be read in one go and did
   * not grow meanwhile: inspection can then judge it without reading it again
   * (see judgeWhole).
   */
  whole?: Buffer;
}

/**
 * Structure check used by readiness: PDF `%%EOF`, JPEG `FF D9`, PNG `IEND` at
 * the end (trailing NUL/whitespace padding allowed). Reads only head and tail,
 * or a small file whole.
 * An empty file or one of another type is 'unknown-type': waiting will not
 * help, inspection gives the reason. A file that starts with NULs is
 * 'incomplete' (space reserved, content still coming). Throws NotAFileError for non-files and
 * the fs error (ENOENT, EACCES…) when the file cannot be read.
 */
export async function checkCompleteness(
  path: string,
  fs: FileSystem = nodeFileSystem,
): Promise<CompletenessCheck> {
  const { handle, stats } = await openRegularFile(fs, path);
  try {
    const { size, mtimeMs } = stats;
    if (size === 0) return { completeness: 'unknown-type', size, mtimeMs };
    // One byte more than its size: a file that grew meanwhile is not handed on whole.
    const read = size <= ONE_READ_BYTES ? await readAt(handle, 0, size + 1, size) : undefined;
    const whole = read && read.length === size ? read : undefined;
    const [head, tail] = read
      ? [read.subarray(0, HEAD_BYTES), read.subarray(Math.max(0, size - TAIL_BYTES), size)]
      : await headAndTail(handle, size);
    const completeness = judgeStructure(head, tail);
    return {
      completeness,
      size,
      mtimeMs,
      ...(whole && completeness !== 'incomplete' && { whole }),
    };
  } finally {
    await handle.close();
  }
}

function judgeStructure(head: Buffer, tail: Buffer): Completeness {
  if (isAllNul(head)) return 'incomplete';
  const type = sniffContentType(head);
  if (!isUploadable(type)) return 'unknown-type';
  return hasCompleteEnd(type, tail) ? 'complete' : 'incomplete';
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

function unsupported(type: SniffedType, head: Uint8Array, convertOff: boolean): Inspection {
  if (convertOff && CONVERTIBLE.has(type))
    return refusal(
      'unsupported-type',
      msg('reason.convertOff', { type: msg(`fileType.${typeKey(type)}`) }),
    );
  if (type === 'unknown')
    return refusal(
      'unsupported-type',
      msg(looksLikeText(head) ? 'fixed.notScanText' : 'fixed.notScanUnknown'),
    );
  return refusal(
    'unsupported-type',
    msg('reason.otherType', { type: msg(`fileType.${typeKey(type)}`) }),
  );
}

/** Binary megabytes, as the 10 MB limit counts them. */
export function megabytes(bytes: number): Message {
  return msg('size.mb', { n: Math.round((bytes / (1024 * 1024)) * 10) / 10 });
}

function refusal(code: ErrorCode, text: Message): Inspection {
  return { ok: false, code, ...reasonOf(text) };
}

/**
 * Full check before upload: regular file, not empty, type from magic bytes,
 * ≤ MAX_IMAGE_BYTES, structurally complete, PDF not encrypted; sha256 streamed
 * (memory stays flat). A bad file gives `{ ok: false, reason }`. Throws
 * NotAFileError for non-files, FileChangedError when the file changes while
 * being read, and the fs error when it cannot be read (e.g. deleted).
 */
export async function inspectFile(
  path: string,
  fs: FileSystem = nodeFileSystem,
  preparable: Preparable = {},
): Promise<Inspection> {
  const { handle, stats } = await openRegularFile(fs, path);
  const size = stats.size;
  // A receipt fits one read, and its head, tail and hash all come from it: a read per part
  // cost more than the hashing (issue 7 #13).
  const buffer =
    size < CHUNK_BYTES ? (spareBuffers.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES)) : null;
  try {
    if (size === 0) return refusal('empty', msg('fixed.empty'));
    if (buffer) {
      const whole = await readWhole(handle, buffer, size);
      const after = await handle.stat();
      if (whole.length !== size || after.size !== size || after.mtimeMs !== stats.mtimeMs)
        throw new FileChangedError(path);
      return judgeWhole(whole, stats.mtimeMs, preparable);
    }
    const [head, tail] = await headAndTail(handle, size);
    const type = sniffContentType(head);
    const refused = refusalOf(type, head, tail, size, preparable);
    if (refused) return refused;
    const scanner = type === 'application/pdf' ? new PdfEncryptionScanner() : null;
    const { sha256, bytes } = await hashHandle(handle, (chunk) => scanner?.push(chunk));
    const after = await handle.stat();
    if (bytes !== size || after.size !== size || after.mtimeMs !== stats.mtimeMs)
      throw new FileChangedError(path);
    return verdict(type, size, sha256, stats.mtimeMs, scanner, preparable);
  } finally {
    if (buffer) spareBuffers.push(buffer);
    await handle.close();
  }
}

/**
 * inspectFile's verdict on a file already read whole (`whole`, its version's
 * mtime): the same checks, no reading. The buffer is not kept.
 */
export function judgeWhole(
  whole: Buffer,
  mtimeMs: number,
  preparable: Preparable = {},
): Inspection {
  const size = whole.length;
  if (size === 0) return refusal('empty', msg('fixed.empty'));
  const head = whole.subarray(0, HEAD_BYTES);
  const type = sniffContentType(head);
  const refused = refusalOf(
    type,
    head,
    whole.subarray(Math.max(0, size - TAIL_BYTES)),
    size,
    preparable,
  );
  if (refused) return refused;
  const scanner = type === 'application/pdf' ? new PdfEncryptionScanner() : null;
  scanner?.push(whole);
  const sha256 = createHash('sha256').update(whole).digest('hex');
  return verdict(type, size, sha256, mtimeMs, scanner, preparable);
}

/** Why a file of this type, head, tail and size cannot go (nor be prepared), if it cannot. */
function refusalOf(
  type: SniffedType,
  head: Buffer,
  tail: Buffer,
  size: number,
  preparable: Preparable,
): Inspection | undefined {
  const convert = preparable.convert === true && CONVERTIBLE.has(type);
  if (!isUploadable(type) && !convert) return unsupported(type, head, preparable.convert === false);
  const shrink = preparable.shrink === true && size > MAX_IMAGE_BYTES;
  if (size > MAX_IMAGE_BYTES && !convert && !shrink)
    return refusal('too-large', msg('reason.tooLarge', { size: megabytes(size) }));
  if (isUploadable(type) && !hasCompleteEnd(type, tail))
    return refusal(
      'incomplete',
      msg('reason.incomplete', { type: msg(`fileType.${typeKey(type)}`) }),
    );
  return undefined;
}

function verdict(
  type: SniffedType,
  size: number,
  sha256: string,
  mtimeMs: number,
  scanner: PdfEncryptionScanner | null,
  preparable: Preparable,
): Inspection {
  if (scanner?.encrypted) return refusal('encrypted', msg('fixed.encrypted'));
  const convert = preparable.convert === true && CONVERTIBLE.has(type);
  const shrink = preparable.shrink === true && size > MAX_IMAGE_BYTES;
  if (convert || shrink || !isUploadable(type))
    return { ok: 'prepare', from: type, size, sha256, mtimeMs };
  return { ok: true, contentType: type, size, sha256, mtimeMs };
}

/**
 * The file from its start into `buffer`, asking for one byte more than `size`
 * so that a file that grew shows (the stat after hashing sees the rest).
 */
async function readWhole(handle: ReadHandle, buffer: Buffer, size: number): Promise<Buffer> {
  let filled = 0;
  while (filled < size) {
    const bytesRead = await handle.read(buffer, filled, size + 1 - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** One read buffer per concurrent hash, reused: a fresh zero-filled 1 MB per file cost more than hashing a receipt. */
const spareBuffers: Buffer[] = [];

async function hashHandle(
  handle: ReadHandle,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const buffer = spareBuffers.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
  try {
    return await hashInto(handle, hash, buffer, onChunk);
  } finally {
    spareBuffers.push(buffer);
  }
}

async function hashInto(
  handle: ReadHandle,
  hash: ReturnType<typeof createHash>,
  buffer: Buffer,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ sha256: string; bytes: number }> {
  let position = 0;
  for (;;) {
    const bytesRead = await handle.read(buffer, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    onChunk?.(chunk);
    position += bytesRead;
  }
  return { sha256: hash.digest('hex'), bytes: position };
}

/** SHA-256 (hex) of a file's content, streamed in 1 MB reads. */
export async function sha256File(path: string, fs: FileSystem = nodeFileSystem): Promise<string> {
  const { handle } = await openRegularFile(fs, path);
  try {
    return (await hashHandle(handle)).sha256;
  } finally {
    await handle.close();
  }
}
