import { existsSync } from 'node:fs';
import { Ledger, ledgerDir } from '../engine/ledger/ledger.js';
import { buildSummary, emptyCounts, startOfLocalDay } from '../engine/summary.js';
import type { Job, JobState, Summary } from '../engine/types.js';

/**
 * `status` reads the ledger read-only (no lock, no compaction), so it works
 * while a watcher or the desktop app holds the data dir.
 */

/** Every job in the data dir's ledger, latest snapshot each. */
export async function readLedgerJobs(dataDir: string): Promise<Job[]> {
  if (!existsSync(ledgerDir(dataDir))) return []; // nothing has run here yet: do not create it
  const ledger = await Ledger.open(ledgerDir(dataDir), { readOnly: true });
  try {
    return ledger.all();
  } finally {
    await ledger.close();
  }
}

/** What a summary reads of a job. */
export type JobOutcome = Pick<Job, 'state' | 'root' | 'finishedAt' | 'updatedAt'>;

/** The summary the ledger alone can tell: counts, uploads today, roots; a paused job means sign-in. */
export function summarize(jobs: JobOutcome[], now = Date.now()): Summary {
  const counts: Record<JobState, number> = emptyCounts();
  const today = startOfLocalDay(now);
  let uploadedToday = 0;
  for (const job of jobs) {
    counts[job.state]++;
    if (job.state === 'uploaded' && (job.finishedAt ?? job.updatedAt) >= today) uploadedToday++;
  }
  return buildSummary({
    counts,
    uploadedToday,
    pausedBy: counts.paused > 0 ? 'sign-in' : null,
    unavailableRoots: [],
    roots: [...new Set(jobs.map((j) => j.root))],
  });
}
