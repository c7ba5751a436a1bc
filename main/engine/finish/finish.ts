import { constants } from 'node:fs';
import { copyFile, mkdir, rename, rm, unlink, writeFile, access } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import type { JobError } from '../types.js';

/**
 * What happens to a scan once Concur has it, or once it failed for good
 * (DESIGN §3.7): Uploaded/ and Failed/ mirror the relative path inside the
 * root, so a user finds the file where they expect it. Nothing is overwritten:
 * clashes get " (2)", " (3)"… before the extension.
 */

export type AfterUpload = 'move' | 'keep' | 'delete';

export const UPLOADED_DIR = 'Uploaded';
export const FAILED_DIR = 'Failed';

/** Absolute path of a root-relative, '/'-separated path. */
export function absolutePath(root: string, relPath: string): string {
  return join(root, ...relPath.split('/'));
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first of `name`, `name (2)`, `name (3)`… that is free in its folder. */
export async function freePath(path: string): Promise<string> {
  if (!(await exists(path))) return path;
  const dir = dirname(path);
  const ext = extname(path);
  const stem = basename(path, ext);
  for (let n = 2; ; n++) {
    const candidate = join(dir, `${stem} (${n})${ext}`);
    if (!(await exists(candidate))) return candidate;
  }
}

/** Moves a file, creating folders; falls back to copy + unlink across devices (a share, another disk). */
export async function moveFile(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // COPYFILE_EXCL: never clobber a file that appeared at the target meanwhile.
    await copyFile(from, to, constants.COPYFILE_EXCL);
    await unlink(from);
  }
}

/** Moves `from` to a free name at `to`; returns where it landed. */
async function moveToFree(from: string, to: string): Promise<string> {
  // A clash can appear between choosing a name and renaming; try the next name then.
  for (let tries = 0; ; tries++) {
    const target = await freePath(to);
    try {
      await moveFile(from, target);
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && tries < 5) continue;
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
): Promise<string | undefined> {
  const from = absolutePath(root, relPath);
  if (afterUpload === 'keep') return undefined;
  if (afterUpload === 'delete') {
    await rm(from, { force: true });
    return undefined;
  }
  return moveToFree(from, absolutePath(join(root, UPLOADED_DIR), relPath));
}

/** What the .error.txt beside a failed scan says. */
export interface FailureReport {
  relPath: string;
  target?: string;
  error: JobError;
  at: number;
  attempts?: number;
}

/** The text of `<name>.error.txt`; never holds the token (the error fields never carry it). */
export function formatFailureReport(report: FailureReport): string {
  const { error } = report;
  const lines = [
    'Concur Drop could not upload this file.',
    '',
    `Reason: ${error.reason}`,
    `Time: ${new Date(report.at).toISOString()}`,
    `File: ${report.relPath}`,
  ];
  if (report.target) lines.push(`Target: ${report.target}`);
  if (report.attempts) lines.push(`Attempts: ${report.attempts}`);
  if (error.message) lines.push(`Concur's message: ${error.message}`);
  if (error.errorId) lines.push(`Concur error id: ${error.errorId}`);
  if (error.correlationId) lines.push(`Correlation id: ${error.correlationId}`);
  if (error.status) lines.push(`HTTP status: ${error.status}`);
  lines.push(
    '',
    'To try again: fix the cause, then use Retry in Concur Drop, or move the file back into its folder.',
  );
  return lines.join('\n') + '\n';
}

/**
 * Moves a permanently failed scan to `root/Failed/<same relative path>` and
 * writes `<name>.error.txt` beside it; returns the file's new absolute path.
 */
export async function finishFailed(root: string, report: FailureReport): Promise<string> {
  const from = absolutePath(root, report.relPath);
  const landed = await moveToFree(from, absolutePath(join(root, FAILED_DIR), report.relPath));
  await writeFile(`${landed}.error.txt`, formatFailureReport(report), 'utf8');
  return landed;
}

/** The error file written beside a failed scan. */
export function errorFilePath(failedPath: string): string {
  return `${failedPath}.error.txt`;
}

/**
 * Puts a file from Failed/ back where it was found (for Retry) and removes its
 * error file; returns the relative path it now has (a clash gets " (2)").
 */
export async function restoreFromFailed(
  root: string,
  failedPath: string,
  relPath: string,
): Promise<string> {
  const landed = await moveToFree(failedPath, absolutePath(root, relPath));
  await rm(errorFilePath(failedPath), { force: true });
  return relative(root, landed).split(sep).join('/');
}
