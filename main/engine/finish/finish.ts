import { createHash } from 'node:crypto';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { createLogger } from '../log/logger.js';
import { errorCode, type FileStat, type FileSystem } from '../ports/file-system.js';
import { nodeFileSystem } from '../ports/node-file-system.js';
import { english, targetMessage, type Translator } from '../i18n/translate.js';
import type { JobError, UploadTarget } from '../types.js';

/**
 * What happens to a scan once Concur has it, or once it failed for good
 * (docs/architecture.md#from-file-to-concur): Uploaded/ and Failed/ mirror the relative path inside the
 * root, so a user finds the file where they expect it. Nothing is overwritten:
 * clashes get " (2)", " (3)"… before the extension. Everything goes through
 * the file-system port (`fs`, node:fs unless the simulator passes its own).
 */

export type AfterUpload = 'move' | 'keep' | 'delete';

export const UPLOADED_DIR = 'Uploaded';
export const FAILED_DIR = 'Failed';
/** Where a failure's reason goes when no error file can be written beside the scan. */
export const FAILED_LOG = 'errors.txt';

const log = createLogger('finish');

/**
 * File names are limited to 255 bytes (ext4, APFS; NTFS counts 255 UTF-16
 * units, never more than the UTF-8 bytes): a scan named near the limit has no
 * room for " (2)" or ".error.txt".
 */
const NAME_MAX = 255;

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** `text` cut to at most `max` UTF-8 bytes, never inside a character. */
function cutTo(text: string, max: number): string {
  let out = '';
  for (const char of text) {
    if (bytes(out + char) > max) break;
    out += char;
  }
  return out;
}

/**
 * `stem + suffix` when it fits in a name; else the stem is cut and marked with
 * a hash of the whole, so two long names never share a short one and the same
 * long name always gives the same short one (Retry finds its error file again).
 */
function fitName(stem: string, suffix: string): string {
  if (bytes(stem + suffix) <= NAME_MAX) return stem + suffix;
  const mark = `~${createHash('sha256').update(stem).digest('hex').slice(0, 8)}`;
  return cutTo(stem, NAME_MAX - bytes(mark + suffix)) + mark + suffix;
}

/** Absolute path of a root-relative, '/'-separated path. */
export function absolutePath(root: string, relPath: string): string {
  return join(root, ...relPath.split('/'));
}

async function exists(fs: FileSystem, path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** `name`, then `name (2)`, `name (3)`… in the same folder, each fitted to the name limit. */
function* nameCandidates(path: string): Generator<string> {
  yield path;
  const dir = dirname(path);
  const ext = extname(path);
  const stem = basename(path, ext);
  for (let n = 2; ; n++) yield join(dir, fitName(`${stem} (${n})`, ext));
}

/** The first of `name`, `name (2)`, `name (3)`… that is free in its folder. */
export async function freePath(path: string, fs: FileSystem = nodeFileSystem): Promise<string> {
  for (const candidate of nameCandidates(path))
    if (!(await exists(fs, candidate))) return candidate;
  throw new Error('unreachable: the names never run out');
}

/** Moves a file, creating folders, never replacing one at `to` (across devices too). */
export async function moveFile(
  from: string,
  to: string,
  fs: FileSystem = nodeFileSystem,
): Promise<void> {
  await fs.move(from, to);
}

/**
 * A move is a hard link then an unlink (it never replaces a file): one cut
 * short between the two (a crash, a kill) left the file under both names.
 * Found again, it is finished, not moved a second time as "name (2)".
 */
async function movedAlready(
  from: string,
  to: string,
  fs: FileSystem,
): Promise<{ moved?: string; free: string }> {
  let source: FileStat | undefined;
  for (const candidate of nameCandidates(to)) {
    let there: FileStat;
    try {
      there = await fs.lstat(candidate);
    } catch {
      return { free: candidate }; // the first free name: nothing of this file is there
    }
    source ??= await fs.lstat(from);
    if (there.kind === 'file' && there.id === source.id) return { moved: candidate, free: '' };
  }
  throw new Error('unreachable: the names never run out');
}

/** Moves `from` to a free name at `to`; returns where it landed. */
export async function moveToFree(
  from: string,
  to: string,
  fs: FileSystem = nodeFileSystem,
): Promise<string> {
  // Most names are free, and the move itself says when one is not (it never replaces a
  // file): looking first cost a stat per file.
  try {
    await fs.move(from, to);
    return to;
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
  }
  const found = await movedAlready(from, to, fs);
  if (found.moved) {
    await fs.remove(from);
    return found.moved;
  }
  // A clash can appear between choosing a name and moving; try the next name then.
  for (let tries = 0; ; tries++) {
    const target = tries === 0 ? found.free : await freePath(to, fs);
    try {
      await fs.move(from, target);
      return target;
    } catch (err) {
      if (errorCode(err) === 'EEXIST' && tries < 5) continue;
      throw err;
    }
  }
}

/**
 * Applies `afterUpload` to an uploaded (or duplicate) scan; returns its new
 * absolute path when it was moved, undefined when kept or deleted.
 */
export async function finishUploaded(
  root: string,
  relPath: string,
  afterUpload: AfterUpload,
  fs: FileSystem = nodeFileSystem,
): Promise<string | undefined> {
  const from = absolutePath(root, relPath);
  if (afterUpload === 'keep') return undefined;
  if (afterUpload === 'delete') {
    await fs.remove(from);
    return undefined;
  }
  return moveToFree(from, absolutePath(join(root, UPLOADED_DIR), relPath), fs);
}

/** What the .error.txt beside a failed scan says. */
export interface FailureReport {
  relPath: string;
  /** Where it was to go; words are taken as they are. */
  target?: UploadTarget | string;
  error: JobError;
  at: number;
  attempts?: number;
}

/**
 * The text of `<name>.error.txt`, in the user's language with the local date
 * and time (the person who opens it reads it, not a tool); never holds the
 * token (the error fields never carry it).
 */
export function formatFailureReport(report: FailureReport, tr: Translator = english): string {
  const { error } = report;
  const line = (key: string, text: string | number) => tr.t(`errorFile.${key}`, { text });
  const lines = [
    tr.t('errorFile.title'),
    '',
    line('reason', tr.words(error.text, error.reason)),
    line('time', tr.moment(report.at)),
    line('file', report.relPath),
  ];
  const target = report.target;
  if (target)
    lines.push(line('target', typeof target === 'string' ? target : tr.say(targetMessage(target))));
  if (report.attempts) lines.push(line('attempts', report.attempts));
  if (error.message) lines.push(line('message', error.message));
  if (error.errorId) lines.push(line('errorId', error.errorId));
  if (error.correlationId) lines.push(line('correlationId', error.correlationId));
  if (error.status) lines.push(line('status', error.status));
  lines.push('', tr.t('errorFile.again'));
  return lines.join('\n') + '\n';
}

/**
 * Moves a permanently failed scan to `root/Failed/<same relative path>` and
 * writes `<name>.error.txt` beside it; returns the file's new absolute path.
 * Once the file is moved its reason is kept somewhere: when the error file
 * cannot be written it goes to `Failed/errors.txt`, and failing that to the log.
 */
export async function finishFailed(
  root: string,
  report: FailureReport,
  fs: FileSystem = nodeFileSystem,
  tr: Translator = english,
): Promise<string> {
  const from = absolutePath(root, report.relPath);
  const landed = await moveToFree(from, absolutePath(join(root, FAILED_DIR), report.relPath), fs);
  const text = formatFailureReport(report, tr);
  try {
    await fs.writeFile(errorFilePath(landed), text);
  } catch (error) {
    log.warn('could not write the error file; the reason goes to Failed/errors.txt', {
      path: report.relPath,
      error,
    });
    const failedLog = join(root, FAILED_DIR, FAILED_LOG);
    const entry = `${'-'.repeat(60)}\n${relative(root, landed).split(sep).join('/')}\n${text}`;
    await fs.append(failedLog, entry).catch((second: unknown) =>
      log.error('could not keep the reason of a failed file', {
        path: report.relPath,
        reason: report.error.reason,
        error: second,
      }),
    );
  }
  return landed;
}

/** The error file written beside a failed scan: `<name>.error.txt`, shortened when that is too long a name. */
export function errorFilePath(failedPath: string): string {
  return join(dirname(failedPath), fitName(basename(failedPath), '.error.txt'));
}

/**
 * Puts a file from Failed/ back where it was found (for Retry) and removes its
 * error file; returns the relative path it now has (a clash gets " (2)").
 */
export async function restoreFromFailed(
  root: string,
  failedPath: string,
  relPath: string,
  fs: FileSystem = nodeFileSystem,
): Promise<string> {
  const landed = await moveToFree(failedPath, absolutePath(root, relPath), fs);
  await fs.remove(errorFilePath(failedPath));
  return relative(root, landed).split(sep).join('/');
}
