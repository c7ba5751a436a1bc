import type { EngineJob } from '../job-book.js';
import { durationOf, msg, reasonOf } from '../i18n/translate.js';
import type { JobError } from '../types.js';
import { RETRYABLE_CODES } from './codes.js';
import type { Effect } from './effects.js';
import type { JobEvent } from './events.js';
import { SENDABLE, stateOf, type Outcome, type Phase } from './phase.js';

/**
 * The job lifecycle's one writer (docs/architecture.md, "The lifecycle"):
 * given a job and what happened, the job as it is now and what to do. Pure:
 * no I/O, no clock (the time comes in as `now`), so the simulator and tests
 * can drive it, and the runner alone carries effects out.
 */

export interface Transition {
  job: EngineJob;
  effects: Effect[];
}

/** Phases where the content was inspected and the job waits to be sent. */
const INSPECTED: ReadonlySet<Phase> = new Set([
  'inspecting',
  'preparing',
  'collecting',
  'merging',
  'parked',
  'queued',
  'held',
  'backing-off',
]);

/**
 * Phases in which readiness may speak. A verdict can come after the job moved
 * on (a change event re-armed readiness just as it said ready): it is stale.
 */
const AWAITING_READY: ReadonlySet<Phase> = new Set(['settling', 'waiting-for-writer']);

const NOTHING: Effect[] = [];

/** Recorded as going out: a change now is caught when finishing compares the file with what was sent. */
const GOING_OUT: ReadonlySet<Phase> = new Set(['outgoing', 'uploading']);

/** A file Concur takes as it is carries nothing of an earlier version's preparing. */
const UNPREPARED: Partial<EngineJob> = {
  from: undefined,
  prepared: undefined,
  note: undefined,
  noteText: undefined,
  parts: undefined,
  partsSent: undefined,
};

function to(job: EngineJob, phase: Phase, patch: Partial<EngineJob>, now: number): EngineJob {
  const next: EngineJob = { ...job, ...patch, phase, updatedAt: now };
  // A new detail without its Message: the old Message would say the old thing.
  if ('detail' in patch && !('detailText' in patch)) delete next.detailText;
  next.state = stateOf(
    phase,
    (patch.state ?? (phase === 'done' ? job.state : undefined)) as Outcome,
  );
  if (next.state !== 'uploading') delete next.progress;
  return next;
}

function ended(
  job: EngineJob,
  outcome: Outcome,
  patch: Partial<EngineJob>,
  now: number,
): EngineJob {
  return to(
    job,
    'done',
    {
      nextAttemptAt: undefined,
      mayHaveLanded: undefined,
      finishedAt: now,
      disposition: undefined,
      ...patch,
      state: outcome,
    },
    now,
  );
}

function failed(job: EngineJob, error: JobError, now: number): Transition {
  const retryable =
    error.retryable || (error.code !== undefined && RETRYABLE_CODES.has(error.code));
  const next = ended(
    job,
    'failed',
    // The mark of an upload that may have landed stays: later files for a target that takes one
    // image are not sent into that doubt.
    { error: { ...error, retryable }, detail: undefined, mayHaveLanded: job.mayHaveLanded },
    now,
  );
  // A retryable failure leaves the file where it is, for Retry or the next start.
  if (retryable) next.disposition = 'kept';
  return {
    job: next,
    effects: [{ kind: 'leave-waits' }, { kind: 'release-copies' }, { kind: 'finish' }],
  };
}

/** Starts over from readiness: what was inspected no longer holds. */
function again(job: EngineJob, detail: string, now: number): Transition {
  return {
    job: to(
      job,
      'settling',
      {
        detail,
        sha256: undefined,
        contentType: undefined,
        batchId: undefined,
        batchSize: undefined,
        nextAttemptAt: undefined,
        prepared: undefined,
      },
      now,
    ),
    effects: [{ kind: 'leave-waits' }, { kind: 'release-copies' }, { kind: 'await-ready' }],
  };
}

/** The job after `event`, and the effects to carry out once it is recorded. */
export function reduce(job: EngineJob, event: JobEvent, now: number): Transition {
  const phase = job.phase ?? 'settling';
  const done = phase === 'done';
  switch (event.type) {
    case 'seen':
      return {
        job: to(job, 'settling', { detail: 'checking the file', attempts: job.attempts ?? 0 }, now),
        effects: [{ kind: 'await-ready' }],
      };
    case 'changed':
      if (done || GOING_OUT.has(phase)) return { job, effects: NOTHING };
      if (INSPECTED.has(phase))
        return again(job, 'the file changed before its upload: checking it again', now);
      if (phase === 'unreachable')
        // Its folder is back (the file was found there again): it settles anew.
        return {
          job: to(job, 'settling', { detail: 'checking the file' }, now),
          effects: [{ kind: 'await-ready' }],
        };
      return { job, effects: [{ kind: 'await-ready' }] };
    case 'incomplete':
      if (!AWAITING_READY.has(phase)) return { job, effects: NOTHING };
      return {
        job: to(
          job,
          'waiting-for-writer',
          { detail: 'waiting for the scanner', size: event.size, mtimeMs: event.mtimeMs },
          now,
        ),
        effects: NOTHING,
      };
    case 'timed-out':
      if (!AWAITING_READY.has(phase)) return { job, effects: NOTHING };
      return failed(
        { ...job, size: event.size, mtimeMs: event.mtimeMs },
        {
          ...reasonOf(msg('reason.stillIncomplete', { duration: durationOf(event.waitedMs) })),
          retryable: false,
          code: 'incomplete',
        },
        now,
      );
    case 'ready':
      if (!AWAITING_READY.has(phase)) return { job, effects: NOTHING };
      return {
        job: to(job, 'inspecting', { size: event.size, mtimeMs: event.mtimeMs }, now),
        effects: [{ kind: 'inspect' }],
      };
    case 'gone': {
      if (done || GOING_OUT.has(phase)) return { job, effects: NOTHING };
      const t = failed(job, { reason: DELETED_REASON, retryable: false, code: 'deleted' }, now);
      t.job.disposition = 'gone';
      return t;
    }
    case 'unreachable':
      if (done || GOING_OUT.has(phase)) return { job, effects: NOTHING };
      return {
        job: to(
          job,
          'unreachable',
          {
            detail: 'the folder cannot be reached right now',
            sha256: undefined,
            contentType: undefined,
            batchId: undefined,
            prepared: undefined,
            batchSize: undefined,
          },
          now,
        ),
        effects: [{ kind: 'leave-waits' }, { kind: 'release-copies' }],
      };
    case 'refused': {
      if (done) return { job, effects: NOTHING };
      const t = failed(event.version ? { ...job, ...event.version } : job, event.error, now);
      if (event.keepInPlace && !t.job.disposition) t.job.disposition = 'kept';
      if (event.holdsBatch) t.job.holdsBatch = true;
      return t;
    }
    case 'inspected': {
      if (phase !== 'inspecting') return { job, effects: NOTHING };
      const patch: Partial<EngineJob> = { ...event.found, detail: undefined, ...UNPREPARED };
      if (event.oneImage)
        return { job: to(job, 'collecting', patch, now), effects: [{ kind: 'collect' }] };
      return queueing(job, patch, { heldBy: event.heldBy }, now);
    }
    case 'needs-preparing': {
      if (phase !== 'inspecting') return { job, effects: NOTHING };
      // Parts already taken by Concur count only for the version they came from (a Retry resumes).
      const resumes = job.partsSent && job.sent?.sha256 === event.found.sha256;
      return {
        job: to(
          job,
          'preparing',
          {
            ...event.found,
            from: event.from,
            detail: 'preparing the file for Concur',
            ...(!resumes && { partsSent: undefined }),
          },
          now,
        ),
        effects: [{ kind: 'prepare' }],
      };
    }
    case 'prepared': {
      if (phase !== 'preparing') return { job, effects: NOTHING };
      const parts = event.parts.length;
      const patch: Partial<EngineJob> = {
        prepared: event.parts,
        contentType: event.parts[0].contentType,
        note: event.note || undefined,
        noteText: event.note ? event.noteText : undefined,
        parts: parts > 1 ? parts : undefined,
        partsSent: parts > 1 ? Math.min(job.partsSent ?? 0, parts - 1) : undefined,
        detail: undefined,
      };
      if (event.oneImage)
        return { job: to(job, 'collecting', patch, now), effects: [{ kind: 'collect' }] };
      return queueing(job, patch, { heldBy: event.heldBy }, now);
    }
    case 'duplicate':
      if (done) return { job, effects: NOTHING };
      return {
        job: ended(
          job,
          event.outcome ?? 'duplicate',
          {
            ...event.found,
            imageId: event.imageId,
            detail: event.detail,
            detailText: event.detailText,
            error: undefined,
          },
          now,
        ),
        effects: [{ kind: 'leave-waits' }, { kind: 'release-copies' }, { kind: 'finish' }],
      };
    case 'parked':
      if (phase !== 'inspecting') return { job, effects: NOTHING };
      return {
        job: to(
          job,
          'parked',
          { ...event.found, detail: event.detail, detailText: event.detailText },
          now,
        ),
        effects: NOTHING,
      };
    case 'merging':
      if (phase !== 'collecting') return { job, effects: NOTHING };
      return {
        job: to(
          job,
          'merging',
          {
            batchId: event.batchId,
            batchSize: event.batchSize,
            detail: event.detail,
            detailText: event.detailText,
          },
          now,
        ),
        effects: NOTHING,
      };
    case 'queued':
      // Only a closing merge window queues; a member that changed meanwhile went back to settling.
      if (phase !== 'collecting' && phase !== 'merging') return { job, effects: NOTHING };
      // A batch's queuing is for its members only: one that changed while the records before
      // its own waited for a full disk may be in a new window already.
      if (event.batchId !== undefined && (phase !== 'merging' || job.batchId !== event.batchId))
        return { job, effects: NOTHING };
      // A batch's members are queued as one unit by the runner; a single file queues itself.
      return queueing(
        job,
        { detail: event.detail },
        event,
        now,
        phase !== 'merging' && !job.batchId,
      );
    case 'held':
      if (phase !== 'queued' && phase !== 'backing-off') return { job, effects: NOTHING };
      return { job: to(job, 'held', { detail: event.detail }, now), effects: NOTHING };
    case 'released': {
      if (phase !== 'held') return { job, effects: NOTHING };
      const later = job.nextAttemptAt !== undefined && job.nextAttemptAt > now;
      return {
        job: to(job, later ? 'backing-off' : 'queued', { detail: event.detail }, now),
        effects: NOTHING,
      };
    }
    case 'sending':
      // Only from a phase the sending stage took it in: a batch-mate that moved on while the
      // others' records were written (a slow or full disk) is not sent with a stale merge.
      if (!SENDABLE.has(phase)) return { job, effects: NOTHING };
      return {
        job: to(
          job,
          event.ahead ? 'outgoing' : 'uploading',
          {
            attempts: event.attempt,
            sent: event.sent,
            detail: event.ahead ? undefined : event.detail,
            detailText: event.ahead ? undefined : event.detailText,
            nextAttemptAt: undefined,
            ...(!event.ahead && { progress: 0 }),
          },
          now,
        ),
        effects: NOTHING,
      };
    case 'on-wire':
      if (phase !== 'outgoing') return { job, effects: NOTHING };
      return {
        job: to(
          job,
          'uploading',
          { detail: event.detail, detailText: event.detailText, progress: 0 },
          now,
        ),
        effects: NOTHING,
      };
    case 'held-back':
      if (phase !== 'outgoing') return { job, effects: NOTHING };
      // Nothing went out: the attempt does not count, and the job waits with the rest.
      return {
        job: to(
          job,
          'held',
          { attempts: Math.max(0, job.attempts - 1), detail: event.detail, detailText: undefined },
          now,
        ),
        effects: [{ kind: 'enqueue' }],
      };
    case 'answered':
      if (!GOING_OUT.has(phase)) return { job, effects: NOTHING };
      return answered(job, event, now);
    case 'finished':
      return {
        job: {
          ...job,
          disposition: event.disposition,
          finalPath: event.finalPath,
          detail: event.detail ?? job.detail,
          updatedAt: now,
        },
        effects: NOTHING,
      };
    case 'batch-released':
      if (!job.holdsBatch) return { job, effects: NOTHING };
      return {
        job: {
          ...job,
          holdsBatch: undefined,
          detail: event.detail,
          detailText: event.detailText,
          updatedAt: now,
        },
        effects: NOTHING,
      };
    case 'batch-waits':
      if (phase !== 'collecting' || job.detail === event.detail) return { job, effects: NOTHING };
      return {
        job: to(job, 'collecting', { detail: event.detail, detailText: event.detailText }, now),
        effects: NOTHING,
      };
    case 'replaced':
      if (job.state !== 'failed' || job.replacedBy) return { job, effects: NOTHING };
      return {
        job: { ...job, replacedBy: event.by, holdsBatch: undefined, updatedAt: now },
        effects: NOTHING,
      };
    case 'superseded':
      // No longer its file: it is not tried again at the next start (the new job is).
      if (!done || job.disposition !== 'kept') return { job, effects: NOTHING };
      return { job: { ...job, disposition: 'gone', updatedAt: now }, effects: NOTHING };
    case 'recovered':
      if (done) return { job, effects: job.disposition ? NOTHING : [{ kind: 'finish' }] };
      return {
        job: to(
          job,
          'settling',
          {
            detail: 'checking the file again after a restart',
            batchId: undefined,
            prepared: undefined,
            batchSize: undefined,
            nextAttemptAt: undefined,
            finalPath: undefined,
            // An upload cut off by the stop may have landed: Concur's "already has an image" then means done.
            // A batch went as one PDF, so what may have landed for one member may have for all: each
            // goes again with the others, as it went (the PDF held its inspected version).
            mayHaveLanded:
              job.mayHaveLanded ||
              (GOING_OUT.has(phase) ? sentVersion(job) : undefined) ||
              (event.batchMayHaveLanded ? (job.sha256 ?? true) : undefined),
          },
          now,
        ),
        effects: [{ kind: 'await-ready' }],
      };
    case 'retried':
      return {
        job: to(
          job,
          'settling',
          {
            relPath: event.relPath,
            name: event.name,
            detail: 'trying again',
            error: undefined,
            prepared: undefined,
            finishedAt: undefined,
            nextAttemptAt: undefined,
            batchId: undefined,
            batchSize: undefined,
            disposition: undefined,
            finalPath: undefined,
            holdsBatch: undefined,
            attempts: 0,
          },
          now,
        ),
        // Readiness starts once Retry has put the file back (it then reports `changed`).
        effects: NOTHING,
      };
  }
}

function queueing(
  job: EngineJob,
  patch: Partial<EngineJob>,
  how: { notBefore?: number; heldBy?: string },
  now: number,
  enqueue = true,
): Transition {
  const phase: Phase = how.heldBy
    ? 'held'
    : how.notBefore !== undefined && how.notBefore > now
      ? 'backing-off'
      : 'queued';
  const next = to(
    job,
    phase,
    { ...patch, nextAttemptAt: how.notBefore, ...(how.heldBy && { detail: how.heldBy }) },
    now,
  );
  return {
    job: next,
    effects: enqueue ? [{ kind: 'enqueue', notBefore: how.notBefore }] : NOTHING,
  };
}

function answered(
  job: EngineJob,
  event: Extract<JobEvent, { type: 'answered' }>,
  now: number,
): Transition {
  const { outcome } = event;
  const reasons = () => {
    if (!event.reasons) throw new Error(`A ${outcome.kind} answer came without its reasons.`);
    return event.reasons;
  };
  const finish: Effect[] = [{ kind: 'release-copies' }, { kind: 'finish' }];
  switch (outcome.kind) {
    case 'uploaded': {
      const sentParts = (job.partsSent ?? 0) + 1;
      if (job.parts !== undefined && sentParts < job.parts)
        // The next part goes once this one is taken: a report appends them in page order.
        return {
          job: to(
            job,
            'queued',
            {
              partsSent: sentParts,
              attempts: 0,
              imageId: outcome.imageId,
              detail: `${sentParts} of ${job.parts} parts uploaded`,
            },
            now,
          ),
          effects: [{ kind: 'enqueue' }],
        };
      return {
        job: ended(
          job,
          'uploaded',
          {
            imageId: outcome.imageId,
            detail: undefined,
            error: undefined,
            ...(job.parts !== undefined && { partsSent: job.parts }),
          },
          now,
        ),
        effects: finish,
      };
    }
    case 'alreadyHasImage':
      if (job.mayHaveLanded === true || job.mayHaveLanded === job.sent?.sha256) {
        // Our own earlier attempt landed and its answer was lost (a crash, a dropped connection).
        return {
          job: ended(
            job,
            'uploaded',
            { detail: 'Concur already had it: an earlier attempt had landed', error: undefined },
            now,
          ),
          effects: finish,
        };
      }
      return failed(job, reasons().alreadyHasImage, now);
    case 'auth':
      return {
        // The attempt does not count: a refused token is not the file's fault.
        job: to(
          job,
          'held',
          { attempts: Math.max(0, job.attempts - 1), detail: 'sign-in to Concur needed' },
          now,
        ),
        effects: [
          { kind: 'hold-for-sign-in', message: outcome.message, text: outcome.text },
          { kind: 'enqueue' },
        ],
      };
    case 'rejected':
      return failed(job, reasons().rejected, now);
    case 'changed':
      return again(job, 'the file changed during its upload: checking it again', now);
    case 'transient': {
      // No status: the request may have reached Concur. Written down, so a restart remembers it.
      const mayHaveLanded =
        job.mayHaveLanded || (outcome.status === undefined ? sentVersion(job) : undefined);
      const { tries, gaveUp, nextAttemptAt, retryDetail, retryNote } = reasons();
      if (job.attempts >= tries) {
        const t = failed({ ...job, mayHaveLanded }, gaveUp, now);
        t.job.mayHaveLanded = mayHaveLanded;
        return t;
      }
      return {
        job: to(
          job,
          'backing-off',
          {
            nextAttemptAt,
            detail: retryDetail,
            detailText: retryNote,
            mayHaveLanded,
          },
          now,
        ),
        effects: [{ kind: 'enqueue', notBefore: nextAttemptAt }],
      };
    }
  }
}

/** What may have landed: the version that went out (by hash), or `true` when it is not known. */
function sentVersion(job: EngineJob): string | true {
  return job.sent?.sha256 ?? true;
}

/** The reason shown when a file vanished before its upload. */
export const DELETED_REASON = 'The file was deleted before it could be uploaded.';
