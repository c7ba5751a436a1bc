import { redact } from '../engine/log/logger.js';
import { describeTarget } from '../engine/routing/route.js';
import type { EngineEventMap, Job, JobState, Summary } from '../engine/types.js';

/**
 * What the CLI prints: one JSON object per line for tools (`--json`), or one
 * short readable line per job change for people. Progress is JSON-only: a
 * person watching a terminal wants to see each file once per state, not 40
 * progress ticks.
 */

/** One line of JSON; passed through redact() so no token can ever leave by stdout. */
export function jsonLine(event: string, payload: Record<string, unknown> = {}): string {
  return redact(JSON.stringify({ event, ...payload }));
}

/** The JSON line for one engine event, e.g. `{"event":"job","job":{…}}`. */
export function engineEventJson<K extends keyof EngineEventMap>(
  event: K,
  args: EngineEventMap[K],
): string {
  switch (event) {
    case 'job':
      return jsonLine('job', { job: args[0] });
    case 'summary':
      return jsonLine('summary', { summary: args[0] });
    case 'paused':
      return jsonLine('paused', { reason: args[0], message: args[1] });
    case 'resumed':
      return jsonLine('resumed');
    case 'root-unavailable':
      return jsonLine('root-unavailable', { root: args[0], reason: args[1] });
    case 'root-available':
      return jsonLine('root-available', { root: args[0] });
    default:
      return jsonLine(event, { notice: args[0] });
  }
}

/** How long output lines gather before they are written together; a person does not see 25 ms. */
const GATHER_MS = 25;
/** …unless this many are waiting already. */
const GATHER_LINES = 500;

/**
 * Lines for stdout, written together every GATHER_MS: a backlog changes
 * thousands of jobs a second, and a write per line (about 70 µs each, through
 * the stream and the pipe) cost more than making the line. `flush()` writes
 * what waits (before exit).
 */
export function batchedLines(write: (text: string) => void): {
  line(text: string): void;
  flush(): void;
} {
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!pending.length) return;
    const text = pending.join('\n') + '\n';
    pending = [];
    write(text);
  };
  return {
    line(text) {
      pending.push(text);
      if (pending.length >= GATHER_LINES) flush();
      else timer ??= setTimeout(flush, GATHER_MS);
    },
    flush,
  };
}

const STATE_WIDTH = 10;

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

/** States whose detail says something a person wants to read (the engine's wording). */
const DETAIL_STATES: readonly JobState[] = ['waiting', 'queued', 'paused'];

/** `12:01:03  uploaded   report/Berlin trip [A2C…]/taxi.pdf → report Berlin trip (image 8F3…)` */
export function jobLine(job: Job): string {
  const where = job.target ? ` → ${describeTarget(job.target)}` : '';
  let tail = '';
  if (job.state === 'uploaded' && job.imageId) tail = ` (image ${job.imageId})`;
  else if (job.state === 'duplicate')
    tail = ` (already uploaded${job.imageId ? `: image ${job.imageId}` : ''})`;
  else if (job.state === 'failed' && job.error) tail = `: ${job.error.reason}`;
  else if (job.detail && DETAIL_STATES.includes(job.state)) tail = ` (${job.detail})`;
  return redact(
    `${clock(job.updatedAt)}  ${job.state.padEnd(STATE_WIDTH)} ${job.relPath}${where}${tail}`,
  );
}

// A waiting job's detail changes as it is checked, batched and merged; only
// "waiting for the scanner" is news to the person watching.
function changeKey(job: Job): string {
  if (job.state === 'waiting' && job.detail && /scanner/i.test(job.detail))
    return 'waiting-scanner';
  return job.state;
}

/** "3 uploaded · 1 duplicate · 2 failed", leaving out what is zero. */
export function summaryLine(summary: Summary): string {
  const parts: string[] = [];
  const states: JobState[] = [
    'waiting',
    'queued',
    'uploading',
    'paused',
    'uploaded',
    'duplicate',
    'failed',
  ];
  for (const state of states) if (summary[state]) parts.push(`${summary[state]} ${state}`);
  let line = parts.length ? parts.join(' · ') : 'no jobs';
  if (summary.pausedBy === 'disk-full')
    line += " — uploads wait: the disk of Concur Drop's data folder is full";
  else if (summary.pausedBy === 'sign-in')
    line += summary.signInNeeded?.length
      ? ` — sign-in needed for ${summary.signInNeeded.join(', ')}: their folders wait`
      : ' — uploads paused: sign-in needed';
  else if (summary.pausedBy === 'user') line += ' — uploads paused';
  if (summary.unavailableRoots.length)
    line += ` — unavailable: ${summary.unavailableRoots.join(', ')}`;
  return line;
}

/**
 * Readable output for `watch`: a line when a job's state changes (or it starts
 * waiting for the scanner), never for progress or detail alone, plus pauses
 * and notices (which also tell of folders that cannot be reached).
 */
export function readableReporter(write: (line: string) => void) {
  const seen = new Map<string, string>();
  return {
    job(job: Job) {
      const key = changeKey(job);
      if (seen.get(job.id) === key) return;
      seen.set(job.id, key);
      write(jobLine(job));
    },
    paused(reason: string, message: string) {
      write(
        `${clock(Date.now())}  paused     ${reason === 'sign-in' ? 'sign-in needed: ' : ''}${message}`,
      );
    },
    resumed() {
      write(`${clock(Date.now())}  resumed    uploads continue`);
    },
    notice(notice: EngineEventMap['notice'][0]) {
      write(`${clock(Date.now())}  ${notice.level.padEnd(STATE_WIDTH)} ${notice.message}`);
    },
  };
}
