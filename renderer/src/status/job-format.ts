import type {
  Job,
  JobFilter,
  JobState,
  Summary,
  UploadTarget,
} from '../../../main/engine/types.js';

/** How the status view words jobs: plain language, state always in text (never colour alone). */

export const STATE_LABEL: Record<JobState, string> = {
  waiting: 'Waiting',
  queued: 'Queued',
  uploading: 'Uploading',
  uploaded: 'Uploaded',
  duplicate: 'Already uploaded',
  failed: 'Failed',
  paused: 'Paused',
};

/** A glyph beside the label so states differ in shape as well as colour. */
export const STATE_GLYPH: Record<JobState, string> = {
  waiting: '…',
  queued: '•',
  uploading: '↑',
  uploaded: '✓',
  duplicate: '=',
  failed: '!',
  paused: '‖',
};

const ACTIVE: ReadonlySet<JobState> = new Set(['waiting', 'queued', 'uploading', 'paused']);

/** Whether a job still has work ahead (the "In progress" filter). */
export function isActive(state: JobState): boolean {
  return ACTIVE.has(state);
}

/** Whether a job belongs under a filter. */
export function matchesFilter(job: Job, filter: JobFilter): boolean {
  if (filter === 'active') return isActive(job.state);
  if (filter === 'failed') return job.state === 'failed';
  return true;
}

const KIND_NAME = { report: 'Report', entry: 'Expense entry', invoice: 'Invoice' } as const;

/** "Receipt store", "Report Berlin trip (A2C4…)", "Expense entry E1"; null: not routed. */
export function describeTarget(target: UploadTarget | null): string {
  if (!target) return 'No destination';
  if (target.kind === 'receipt') return 'Receipt store';
  const kind = KIND_NAME[target.kind];
  return target.label ? `${kind} ${target.label} (${target.id})` : `${kind} ${target.id}`;
}

/** The folder a job sits in, relative to its root ("" for the root itself shows the root's name). */
export function describeFolder(job: Job): string {
  const slash = job.relPath.lastIndexOf('/');
  const rootName = job.root.split(/[\\/]/).filter(Boolean).pop() ?? job.root;
  return slash < 0 ? rootName : `${rootName}/${job.relPath.slice(0, slash)}`;
}

/** The full path of the folder a job's file was dropped in, in the root's own separators. */
export function folderPath(job: Job): string {
  const slash = job.relPath.lastIndexOf('/');
  if (slash < 0) return job.root;
  const sep = job.root.includes('\\') && !job.root.includes('/') ? '\\' : '/';
  const dir = job.relPath.slice(0, slash).split('/').join(sep);
  return job.root.endsWith(sep) ? job.root + dir : job.root + sep + dir;
}

/** One line under the file name that says why a job is where it is, and what was done to the file. */
export function describeState(job: Job, now = Date.now()): string {
  const line = stateLine(job, now);
  return job.note && job.state !== 'failed' && job.state !== 'duplicate'
    ? `${line} · ${job.note}`
    : line;
}

function stateLine(job: Job, now: number): string {
  switch (job.state) {
    case 'failed':
      return job.error?.reason ?? 'The upload failed.';
    case 'waiting':
      return job.detail ?? 'Waiting for the scanner to finish writing';
    case 'queued':
      if (job.nextAttemptAt && job.nextAttemptAt > now)
        return `Trying again at ${formatTime(job.nextAttemptAt, now)} (attempt ${job.attempts + 1})`;
      return job.detail ?? 'Queued for upload';
    case 'uploading':
      return (
        job.detail ?? `Uploading${job.progress != null ? ` — ${percent(job.progress)} %` : ''}`
      );
    case 'paused':
      return job.detail ?? 'Held until uploads resume';
    case 'duplicate':
      return job.detail ?? 'The same file was already uploaded there; not sent again';
    case 'uploaded':
      return job.detail ?? 'Uploaded to Concur';
  }
}

/** 0..1 → 0..100, whole numbers. */
export function percent(progress: number): number {
  return Math.round(Math.min(1, Math.max(0, progress)) * 100);
}

// One formatter each: toLocale*String builds a new one per call, too slow for thousands of rows.
const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const DAY = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const DAY_MS = 86_400_000;

/** Today: "14:05"; earlier: "3 Nov, 14:05". */
export function formatTime(ms: number, now = Date.now()): string {
  const midnight = new Date(now).setHours(0, 0, 0, 0);
  const time = TIME.format(ms);
  if (ms >= midnight && ms < midnight + DAY_MS) return time;
  return `${DAY.format(ms)}, ${time}`;
}

/** Counts as shown: never below zero, whatever arrives. */
const n = (count: number) => Math.max(0, count || 0);

/** The headline of the summary header, with a tone for its dot. */
export function headline(summary: Summary): {
  text: string;
  tone: 'ok' | 'busy' | 'warn' | 'error';
} {
  if (summary.pausedBy === 'sign-in')
    return summary.signInNeeded?.length
      ? { text: `Sign-in needed for ${summary.signInNeeded.join(', ')}`, tone: 'error' }
      : { text: 'Paused — sign-in needed', tone: 'error' };
  if (summary.pausedBy === 'disk-full')
    return { text: 'Waiting — the disk is full', tone: 'error' };
  if (summary.pausedBy === 'user') return { text: 'Paused', tone: 'warn' };
  const busy = n(summary.waiting) + n(summary.queued) + n(summary.uploading) + n(summary.paused);
  if (busy > 0)
    return { text: `Working on ${busy} ${busy === 1 ? 'scan' : 'scans'}`, tone: 'busy' };
  if (n(summary.failed) > 0)
    return {
      text: `${summary.failed} ${summary.failed === 1 ? 'scan' : 'scans'} failed`,
      tone: 'error',
    };
  return { text: 'All done', tone: 'ok' };
}

/** "2 uploading · 3 queued · 14 uploaded today · 1 failed" (only the non-zero parts). */
export function countsLine(summary: Summary): string {
  const parts: string[] = [];
  if (n(summary.uploading) > 0) parts.push(`${summary.uploading} uploading`);
  if (n(summary.queued) > 0) parts.push(`${summary.queued} queued`);
  if (n(summary.waiting) > 0) parts.push(`${summary.waiting} waiting`);
  if (n(summary.paused) > 0) parts.push(`${summary.paused} held`);
  parts.push(`${n(summary.uploadedToday)} uploaded today`);
  if (n(summary.duplicate) > 0) parts.push(`${summary.duplicate} already uploaded`);
  if (n(summary.failed) > 0) parts.push(`${summary.failed} failed`);
  return parts.join(' · ');
}
