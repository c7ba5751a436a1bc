import type { EngineJob } from '../job-book.js';
import type { StageContext } from './context.js';

/**
 * A job's file is not at its path: deleted, when its watched folder is
 * there; else the folder cannot be reached (an unplugged share) and the job
 * waits for it. The folder may come back while that wait is still being
 * recorded (a full disk holds records back), after the intake looked for the
 * jobs waiting for it: then the job looks again at once, rather than wait for
 * a folder that is already back.
 */
export async function fileMissing(ctx: StageContext, job: EngineJob): Promise<void> {
  if (await ctx.rootReachable(job.root)) {
    await ctx.runner.dispatch(job, { type: 'gone' });
    return;
  }
  const waiting = await ctx.runner.dispatch(job, { type: 'unreachable' });
  if (waiting?.phase === 'unreachable' && !ctx.stopping() && (await ctx.rootReachable(job.root)))
    await ctx.runner.dispatch(waiting, { type: 'changed' });
}
