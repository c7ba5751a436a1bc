import type { Core } from './core.js';
import { KEPT, finishFile, moveToFailed } from './finish/endings.js';
import type { EngineJob } from './job-book.js';

/**
 * A finished job whose file is still where it was found, unchanged. Either it
 * stays there on purpose (kept, or failed-retryable waiting for Retry), or
 * the process died between writing the final state and moving the file
 * (DESIGN §4): then the move is finished now.
 */
export async function resumeLeftover(core: Core, job: EngineJob): Promise<void> {
  if (job.finalPath) return;
  if ((job.state === 'uploaded' || job.state === 'duplicate') && job.detail !== KEPT) {
    await finishFile(core, job);
  } else if (job.state === 'failed' && job.error && !job.error.retryable) {
    await moveToFailed(core, job);
  }
}
