import { stat } from 'node:fs/promises';
import type { Core } from '../core.js';
import type { EngineJob } from '../job-book.js';
import { describeTarget } from '../routing/route.js';
import type { JobError } from '../types.js';
import { absolutePath, finishFailed, finishUploaded } from './finish.js';

/**
 * How jobs end: the new state is written to the ledger first, then the file
 * is moved (DESIGN §4: a crash between the two leaves a ledger that says
 * "uploaded, not yet moved", and the next start finishes the move).
 */

/** Detail of a job whose file stayed in place on purpose (afterUpload 'keep'). */
export const KEPT = 'kept in place';

/** Detail of a job whose file was deleted after upload (afterUpload 'delete'). */
export const REMOVED = 'deleted after upload';

/** The reason shown when a file vanished before its upload. */
export const DELETED_REASON = 'The file was deleted before it could be uploaded.';

async function fileIsThere(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Marks jobs uploaded (or duplicate) and applies afterUpload to each file. */
export async function completeJobs(
  core: Core,
  jobs: EngineJob[],
  state: 'uploaded' | 'duplicate',
  imageId: string | undefined,
  detail?: string,
): Promise<void> {
  const afterUpload = core.settings.afterUpload;
  for (const job of jobs) {
    await core.book.save(job, {
      state,
      imageId,
      detail: afterUpload === 'keep' ? KEPT : detail,
      finishedAt: core.clock.now(),
      nextAttemptAt: undefined,
      error: undefined,
      interrupted: undefined,
    });
    core.settled(job.id);
    await finishFile(core, job);
  }
}

/** Applies afterUpload to a job already recorded as uploaded or duplicate. */
export async function finishFile(core: Core, job: EngineJob): Promise<void> {
  const afterUpload = core.settings.afterUpload;
  if (afterUpload === 'keep') return;
  try {
    const finalPath = await finishUploaded(job.root, job.relPath, afterUpload);
    // Recorded, so the same file dropped again later is told apart from a move a crash cut short.
    await core.book.save(job, finalPath ? { finalPath } : { detail: REMOVED });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // already gone: nothing to tidy
    core.log.error('could not move an uploaded file', { path: job.relPath, error: err });
    core.notice(
      'warn',
      `Uploaded "${job.name}", but could not ${afterUpload} it: ${String(err)}`,
      job.relPath,
    );
  }
}

/**
 * Fails jobs. A permanent failure moves the file to Failed/ with its
 * .error.txt; a retryable one (Concur unreachable after every try) leaves the
 * file where it is, so Retry — or the next start — can pick it up unchanged.
 */
export async function failJobs(
  core: Core,
  jobs: EngineJob[],
  error: JobError,
  options: { move?: boolean } = {},
): Promise<void> {
  for (const job of jobs) {
    await core.book.save(job, {
      state: 'failed',
      error,
      detail: undefined,
      finishedAt: core.clock.now(),
      nextAttemptAt: undefined,
      interrupted: undefined,
    });
    core.settled(job.id);
    if (!error.retryable && options.move !== false) await moveToFailed(core, job);
  }
}

/** Moves a permanently failed job's file to Failed/ (when it is still there). */
export async function moveToFailed(core: Core, job: EngineJob): Promise<void> {
  if (!job.error || !(await fileIsThere(absolutePath(job.root, job.relPath)))) return;
  try {
    const finalPath = await finishFailed(job.root, {
      relPath: job.relPath,
      target: job.target ? describeTarget(job.target) : undefined,
      error: job.error,
      at: job.finishedAt ?? core.clock.now(),
      attempts: job.attempts,
    });
    await core.book.save(job, { finalPath });
  } catch (err) {
    core.log.error('could not move a failed file to Failed/', { path: job.relPath, error: err });
    core.notice(
      'warn',
      `"${job.name}" failed, and could not be moved to Failed/: ${String(err)}`,
      job.relPath,
    );
  }
}

/** A plain, permanent failure with only a reason. */
export function reasonOnly(reason: string): JobError {
  return { reason, retryable: false };
}
