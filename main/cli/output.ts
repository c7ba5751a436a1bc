import { targetInSentence, type Message, type Translator } from '../engine/i18n/translate.js';
import { redact } from '../engine/log/logger.js';
import {
  FINAL_STATES,
  type EngineEventMap,
  type Job,
  type JobState,
  type Summary,
} from '../engine/types.js';
import { cli } from './language.js';

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

const STATES: readonly JobState[] = [
  'waiting',
  'queued',
  'uploading',
  'paused',
  'uploaded',
  'duplicate',
  'failed',
];

/** Columns a terminal gives a text: CJK characters take two. */
function columns(text: string): number {
  let n = 0;
  for (const c of text)
    n +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
        c,
      )
        ? 2
        : 1;
  return n;
}

const widths = new WeakMap<Translator, number>();

/** The state word, padded so the paths line up whatever the language's words. */
function stateColumn(state: JobState, tr: Translator): string {
  let width = widths.get(tr);
  if (width === undefined) {
    width = Math.max(10, ...STATES.map((s) => columns(tr.t(`cli.state.${s}`)))) + 1;
    widths.set(tr, width);
  }
  const word = tr.t(`cli.state.${state}`);
  return word + ' '.repeat(Math.max(1, width - columns(word)));
}

/** States whose detail says something a person wants to read (the engine's wording). */
const DETAIL_STATES: readonly JobState[] = ['waiting', 'queued', 'paused'];

/**
 * `12:01:03  uploaded   report/Berlin trip [A2C…]/taxi.pdf → report Berlin trip (image 8F3…)`;
 * `at` formats the time (the watch prints the time of day, `status` the date with it).
 */
export function jobLine(job: Job, tr: Translator = cli(), at = tr.clock): string {
  const where = job.target ? ` → ${tr.say(targetInSentence(job.target))}` : '';
  let tail = '';
  if (job.state === 'uploaded') {
    const parts = [];
    if (job.batchSize && job.batchSize > 1)
      parts.push(tr.t('row.merged', { count: job.batchSize }));
    if (job.imageId) parts.push(tr.t('cli.image', { id: job.imageId }));
    if (parts.length) tail = ` (${parts.join('; ')})`;
  } else if (job.state === 'duplicate')
    tail = ` (${job.imageId ? tr.t('cli.alreadyImage', { id: job.imageId }) : tr.t('cli.already')})`;
  else if (job.state === 'failed' && job.error)
    tail = `: ${tr.words(job.error.text, job.error.reason)}`;
  else if (job.detail && DETAIL_STATES.includes(job.state))
    tail = ` (${tr.words(job.detailText, job.detail)})`;
  return redact(`${at(job.updatedAt)}  ${stateColumn(job.state, tr)}${job.relPath}${where}${tail}`);
}

// A waiting job's detail changes as it is checked, batched and merged; only
// "waiting for the scanner" is news to the person watching.
function changeKey(job: Job): string {
  if (job.state === 'waiting' && job.detail && /scanner/i.test(job.detail))
    return 'waiting-scanner';
  return job.state;
}

/** "3 uploaded · 1 duplicate · 2 failed", leaving out what is zero. */
export function summaryLine(summary: Summary, tr: Translator = cli()): string {
  const parts: string[] = [];
  for (const state of STATES)
    if (summary[state]) parts.push(tr.t(`cli.summary.${state}`, { count: summary[state] }));
  let line = parts.length ? parts.join(' · ') : tr.t('cli.noJobs');
  if (summary.pausedBy === 'disk-full') line += ` — ${tr.t('cli.diskFull')}`;
  else if (summary.pausedBy === 'sign-in')
    line += summary.signInNeeded?.length
      ? ` — ${tr.t('cli.signInFor', { accounts: summary.signInNeeded.join(', ') })}`
      : ` — ${tr.t('cli.signIn')}`;
  else if (summary.pausedBy === 'user') line += ` — ${tr.t('cli.paused')}`;
  if (summary.unavailableRoots.length)
    line += ` — ${tr.t('cli.unavailable', { roots: summary.unavailableRoots.join(', ') })}`;
  return line;
}

/**
 * Readable output for `watch`: a line when a job's state changes (or it starts
 * waiting for the scanner), never for progress or detail alone, plus pauses
 * and notices (which also tell of folders that cannot be reached).
 */
export function readableReporter(write: (line: string) => void, tr: Translator = cli()) {
  /** The last state printed for each job still going. */
  const seen = new Map<string, string>();
  const column = (word: string) => word.padEnd(10);
  return {
    job(job: Job) {
      const key = changeKey(job);
      if (seen.get(job.id) !== key) write(jobLine(job, tr));
      // Ended and its file dealt with: nothing more comes for it but a new life (a Retry),
      // which starts in another state. A watch that runs for months keeps none of them.
      if (FINAL_STATES.includes(job.state) && job.disposition !== undefined) seen.delete(job.id);
      else seen.set(job.id, key);
    },
    /** How many jobs it remembers a state for. */
    get following(): number {
      return seen.size;
    },
    paused(reason: string, message: string, said?: Message) {
      // The engine's pause message is English; its reason is known here in the user's words.
      const text =
        reason === 'sign-in'
          ? tr.t('cli.signInNeeded', { message: said ?? message })
          : tr.t(reason === 'disk-full' ? 'cli.diskFull' : 'cli.paused');
      write(`${tr.clock(Date.now())}  ${column(tr.t('cli.pausedLine'))} ${text}`);
    },
    resumed() {
      write(`${tr.clock(Date.now())}  ${column(tr.t('cli.resumedLine'))} ${tr.t('cli.continue')}`);
    },
    notice(notice: EngineEventMap['notice'][0]) {
      const text = tr.words(notice.text, notice.message);
      write(`${tr.clock(Date.now())}  ${column(notice.level)} ${text}`);
    },
  };
}
