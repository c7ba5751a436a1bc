import type { JobState, PauseReason, Summary } from './types.js';

/**
 * The summary the tray, the window header and the CLI derive their state from.
 * Always computed from the jobs' counts, never stored on its own.
 */

/** Local midnight of the day `now` falls in. */
export function startOfLocalDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** A count of zero for every state: the start of every tally. */
export function emptyCounts(): Record<JobState, number> {
  return { waiting: 0, queued: 0, uploading: 0, uploaded: 0, duplicate: 0, failed: 0, paused: 0 };
}

export function buildSummary(input: {
  counts: Record<JobState, number>;
  uploadedToday: number;
  pausedBy: PauseReason | null;
  unavailableRoots: string[];
  roots: string[];
  signInNeeded?: string[];
}): Summary {
  const { counts } = input;
  return {
    waiting: counts.waiting,
    queued: counts.queued,
    uploading: counts.uploading,
    uploaded: counts.uploaded,
    duplicate: counts.duplicate,
    failed: counts.failed,
    paused: counts.paused,
    uploadedToday: input.uploadedToday,
    pausedBy: input.pausedBy,
    unavailableRoots: [...input.unavailableRoots],
    roots: [...input.roots],
    ...(input.signInNeeded?.length ? { signInNeeded: [...input.signInNeeded] } : {}),
  };
}
