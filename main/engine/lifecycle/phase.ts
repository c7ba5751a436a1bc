import type { JobState } from '../types.js';

/**
 * Every phase of a job's life, named (docs/architecture.md, "The lifecycle").
 * The reducer in reduce.ts is the only code that moves a job between them;
 * the public JobState users and the CLI see is derived from the phase.
 */
export type Phase =
  /** Seen; its size and mtime must stay still for settleMs. */
  | 'settling'
  /** Still, but its structure is incomplete (a scanner appending): waits up to maxWaitMs. */
  | 'waiting-for-writer'
  /** Ready: routing, type check and hash. */
  | 'inspecting'
  /** Being converted, shrunk or split (in a worker) into what Concur takes. */
  | 'preparing'
  /** In its entry's or invoice's merge window. */
  | 'collecting'
  /** Its batch is being merged into one PDF. */
  | 'merging'
  /** Same content as a job uploading to the same target: waits for that answer. */
  | 'parked'
  /** Waiting for an upload slot. */
  | 'queued'
  /** Uploads are held: sign-in needed, paused by the user, or the data disk is full. */
  | 'held'
  /** A transient failure: waits until nextAttemptAt. */
  | 'backing-off'
  /** Recorded as going out, next to go: waits for a connection while the one before it is on the wire. */
  | 'outgoing'
  /** The request is on the wire. */
  | 'uploading'
  /** Its watched folder cannot be reached now; resumes when it is back. */
  | 'unreachable'
  /** Ended: `outcome` says how, `disposition` what became of the file (unset while finishing). */
  | 'done';

/** How a job ended. */
export type Outcome = 'uploaded' | 'duplicate' | 'failed';

/** What became of an ended job's file. Unset on a done job: finishing is still to do. */
export type Disposition =
  /** Moved to Uploaded/ or Failed/ (finalPath says where). */
  | 'moved'
  /** Left in place on purpose (afterUpload "keep", or failed-retryable waiting for Retry). */
  | 'kept'
  /** Deleted after upload (afterUpload "delete"). */
  | 'deleted'
  /** Not there any more to move (deleted by someone, replaced by a newer version, never readable). */
  | 'gone';

const STATE_OF_PHASE: Record<Exclude<Phase, 'done'>, JobState> = {
  settling: 'waiting',
  'waiting-for-writer': 'waiting',
  inspecting: 'waiting',
  preparing: 'waiting',
  collecting: 'waiting',
  merging: 'waiting',
  unreachable: 'waiting',
  parked: 'queued',
  queued: 'queued',
  'backing-off': 'queued',
  held: 'paused',
  outgoing: 'queued',
  uploading: 'uploading',
};

/** The public state of a job in `phase` (with `outcome` once done). */
export function stateOf(phase: Phase, outcome?: Outcome): JobState {
  if (phase === 'done') return outcome ?? 'failed';
  return STATE_OF_PHASE[phase];
}

/** Phases before a job's content is known: a merge window waits for jobs in these. */
export const BEFORE_READY: ReadonlySet<Phase> = new Set([
  'settling',
  'waiting-for-writer',
  'inspecting',
  'preparing',
]);

/** Phases in which a job may be sent: the sending stage takes it, the reducer accepts `sending`. */
export const SENDABLE: ReadonlySet<Phase> = new Set(['queued', 'held', 'backing-off']);
