import type { Core } from './core.js';
import { DELETED_REASON, KEPT, REMOVED, finishFile, moveToFailed } from './finish/endings.js';
import type { EngineJob } from './job-book.js';

/**
 * A file turns up, unchanged, at the path of a job this ledger already
 * finished. Either it is still that job's file — kept on purpose, a
 * failed-retryable scan waiting for Retry, or one whose move was cut short by
 * a crash between the ledger write and the move (DESIGN §4, finished now) —
 * or the job's file was moved or deleted long ago and this is the user
 * dropping it again, which is a new job (it then shows as a duplicate).
 * Returns true when the file was dealt with here.
 */
export async function handleLeftover(core: Core, job: EngineJob): Promise<boolean> {
  if (settledInPlace(job)) return true;
  if (job.state === 'uploaded' || job.state === 'duplicate') {
    if (job.finalPath || job.detail === REMOVED) return false;
    await finishFile(core, job);
    return true;
  }
  if (job.state === 'failed' && job.error) {
    if (job.finalPath || job.error.reason === DELETED_REASON) return false;
    await moveToFailed(core, job);
    return true;
  }
  return false;
}

/** A finished job whose file stays where it is on purpose: kept after upload, or failed-retryable. */
export function settledInPlace(job: EngineJob): boolean {
  if (job.state === 'uploaded' || job.state === 'duplicate') return job.detail === KEPT;
  return job.state === 'failed' && job.error?.retryable === true;
}
