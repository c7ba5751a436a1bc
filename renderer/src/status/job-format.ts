import type { Job, JobFilter, JobState, Summary } from '../../../main/engine/types.js';
import { t, tr } from '../i18n.js';

/** How the status view words jobs: plain language, state always in text (never colour alone). */

/** "Uploaded", "Failed", … in the window's language. */
export const stateLabel = (state: JobState): string => t(`state.${state}`);

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

/** The engine's note on a job in the window's language; its English words for older records. */
function note(job: Job): string | undefined {
  return job.detail === undefined && !job.detailText
    ? undefined
    : tr().words(job.detailText, job.detail ?? '');
}

/** One line under the file name that says why a job is where it is, and what was done to the file. */
export function describeState(job: Job, now = Date.now()): string {
  const line = stateLine(job, now);
  if (!job.note || job.state === 'failed' || job.state === 'duplicate') return line;
  const said = job.noteText?.length
    ? job.noteText.map((m) => tr().say(m)).join(t('prep.separator'))
    : job.note;
  return `${line} · ${said}`;
}

function stateLine(job: Job, now: number): string {
  switch (job.state) {
    case 'failed':
      if (job.error?.text || job.error?.reason) return tr().words(job.error.text, job.error.reason);
      return t('row.failed');
    case 'waiting':
      return note(job) ?? t('row.waiting');
    case 'queued':
      if (job.nextAttemptAt && job.nextAttemptAt > now)
        return t('row.nextTry', {
          time: formatTime(job.nextAttemptAt, now),
          attempt: job.attempts + 1,
        });
      return note(job) ?? t('row.queued');
    case 'uploading':
      return (
        note(job) ??
        (job.progress != null
          ? t('row.uploadingPercent', { percent: percent(job.progress) })
          : t('row.uploading'))
      );
    case 'paused':
      return note(job) ?? t('row.paused');
    case 'duplicate':
      return note(job) ?? t('row.duplicate');
    case 'uploaded':
      if (job.batchSize && job.batchSize > 1) return t('row.merged', { count: job.batchSize });
      return note(job) ?? t('row.uploaded');
  }
}

/** 0..1 → 0..100, whole numbers. */
export function percent(progress: number): number {
  return Math.round(Math.min(1, Math.max(0, progress)) * 100);
}

/** Today: "14:05"; earlier: the date with it, in the window's language and local time. */
export function formatTime(ms: number, now = Date.now()): string {
  return tr().when(ms, now);
}

/** Counts as shown: never below zero, whatever arrives. */
const n = (count: number) => Math.max(0, count || 0);

/**
 * The headline of the summary header, with a tone for its dot. "All done"
 * only once something was done; before that the window is ready for scans.
 */
export function headline(
  summary: Summary,
  jobsSeen = 1,
): {
  text: string;
  tone: 'ok' | 'busy' | 'warn' | 'error';
} {
  if (summary.pausedBy === 'sign-in')
    return summary.signInNeeded?.length
      ? {
          text: t('status.headline.signInFor', { accounts: summary.signInNeeded.join(', ') }),
          tone: 'error',
        }
      : { text: t('status.headline.signIn'), tone: 'error' };
  if (summary.pausedBy === 'disk-full')
    return { text: t('status.headline.diskFull'), tone: 'error' };
  if (summary.pausedBy === 'user') return { text: t('status.headline.paused'), tone: 'warn' };
  const busy = n(summary.waiting) + n(summary.queued) + n(summary.uploading) + n(summary.paused);
  if (busy > 0) return { text: t('status.headline.working', { count: busy }), tone: 'busy' };
  if (n(summary.failed) > 0)
    return { text: t('status.headline.failed', { count: summary.failed }), tone: 'error' };
  const done =
    jobsSeen > 0 || n(summary.uploaded) + n(summary.duplicate) + n(summary.uploadedToday) > 0;
  return { text: t(done ? 'status.headline.allDone' : 'status.headline.ready'), tone: 'ok' };
}

/** "2 uploading · 3 queued · 14 uploaded today · 1 failed" (only the non-zero parts). */
export function countsLine(summary: Summary): string {
  const parts: string[] = [];
  const add = (key: string, count: number) => parts.push(t(`status.counts.${key}`, { count }));
  if (n(summary.uploading) > 0) add('uploading', summary.uploading);
  if (n(summary.queued) > 0) add('queued', summary.queued);
  if (n(summary.waiting) > 0) add('waiting', summary.waiting);
  if (n(summary.paused) > 0) add('held', summary.paused);
  add('uploadedToday', n(summary.uploadedToday));
  if (n(summary.duplicate) > 0) add('duplicate', summary.duplicate);
  if (n(summary.failed) > 0) add('failed', summary.failed);
  return parts.join(' · ');
}

/** What an empty list says under a filter; under All there is nothing to explain. */
export function emptyListText(filter: JobFilter): string | null {
  if (filter === 'failed') return t('status.noneFailed');
  if (filter === 'active') return t('status.noneActive');
  return null;
}
