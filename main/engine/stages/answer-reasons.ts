import type { UploadOutcome } from '../concur/concur-client.js';
import { msg, reasonOf, type Message } from '../i18n/translate.js';
import type { AnswerReasons } from '../lifecycle/events.js';
import { describeRetry, retryDelay, retryNote } from '../queue/backoff.js';
import type { JobError, UploadTarget } from '../types.js';
import { alreadyHasImage } from './collecting.js';
import type { StageContext } from './context.js';
import { UNREADABLE_REASON } from './inspection.js';
import type { UploadUnit } from './sending.js';

// The reasons a job shows for Concur's answer to an upload, split from the sending stage
// (docs/architecture.md, "The lifecycle": the stage works them out, the reducer picks one).

/** "Part 2 of 3 (pages 4–6)". */
function partName(part: NonNullable<UploadUnit['part']>): Message {
  const { pages } = part;
  const where =
    pages.length === 1
      ? msg('reason.partPage', { page: pages[0] })
      : msg('reason.partPages', { first: pages[0], last: pages[pages.length - 1] });
  return msg('reason.part', { n: part.index + 1, of: part.of, where });
}

function concurFields(
  o: Exclude<UploadOutcome, { kind: 'uploaded' | 'changed' }>,
): Partial<JobError> {
  return {
    message: o.message,
    status: o.status,
    errorId: o.errorId,
    correlationId: o.correlationId,
  };
}

/** Names a target with its kind and full id: `report "Trip" (id NOPE1)`, `entry ENT42`. */
function targetWithId(target: Exclude<UploadTarget, { kind: 'receipt' }>): Message {
  const label = target.label && target.label !== target.id ? target.label : undefined;
  return label
    ? msg(`targetId.${target.kind}Named`, { label, id: target.id })
    : msg(`targetId.${target.kind}`, { id: target.id });
}

/** Concur's own words, on one line and not too long for a status row. */
function concurSaid(message: string | undefined): string {
  const text = (message ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return '';
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

export function rejectedReason(
  status: number,
  target: UploadTarget,
  message?: string,
  text?: Message,
): Message {
  const said = text ?? (concurSaid(message) || undefined);
  if (target.kind === 'receipt')
    return msg(said ? 'reason.refusedReceiptSaid' : 'reason.refusedReceipt', { status, said });
  if (status === 404) return msg('reason.unknownTarget', { target: targetWithId(target) });
  return msg(said ? 'reason.refusedSaid' : 'reason.refused', {
    target: targetWithId(target),
    status,
    said,
  });
}

/** Read errors at send time that may pass: a permission, a program holding the file open. */
const MAY_PASS = new Set(['EACCES', 'EPERM', 'EBUSY']);

/** Answers that end in no reason: nothing is worded for them (a backlog's every receipt). */
const WORDLESS: ReadonlySet<UploadOutcome['kind']> = new Set(['uploaded', 'changed', 'auth']);

/**
 * What each possible end of an attempt would say, worked out once per answer:
 * the reducer picks the one that applies (refused, gave up, already has an
 * image, retrying in…). A part of a split file names the part. None for an
 * answer that cannot end in a reason.
 */
export function answerReasons(
  ctx: StageContext,
  unit: UploadUnit,
  outcome: UploadOutcome,
  attempt: number,
): AnswerReasons | undefined {
  if (WORDLESS.has(outcome.kind)) {
    // The retry's random share is still drawn: a seeded simulation then plays the same day.
    retryDelay(attempt, ctx.retry, undefined, ctx.random);
    return undefined;
  }
  const reasons = reasonsFor(ctx, unit, outcome, attempt);
  if (unit.part) {
    // The reason names the part: the rest of the file waits for it.
    const part = partName(unit.part);
    for (const key of ['alreadyHasImage', 'rejected', 'gaveUp'] as const) {
      const said = reasons[key];
      reasons[key] = {
        ...said,
        ...reasonOf(msg('reason.inPart', { part, reason: said.text ?? said.reason })),
      };
    }
  }
  return reasons;
}

function reasonsFor(
  ctx: StageContext,
  unit: UploadUnit,
  outcome: UploadOutcome,
  attempt: number,
): AnswerReasons {
  const { tries } = ctx.retry;
  const fields =
    outcome.kind === 'uploaded' || outcome.kind === 'changed' ? {} : concurFields(outcome);
  const message = 'message' in outcome ? outcome.message : '';
  const text = 'text' in outcome ? outcome.text : undefined;
  const retryAfter = outcome.kind === 'transient' ? outcome.retryAfterMs : undefined;
  const delay = retryDelay(attempt, ctx.retry, retryAfter, ctx.random);
  const status = 'status' in outcome && outcome.status !== undefined ? outcome.status : 0;
  // The scan could not be read here (a permission, a program holding it): nothing was sent,
  // and it may pass; the file stays in place for the next start or Retry.
  if (outcome.kind === 'rejected' && MAY_PASS.has(outcome.unreadable ?? ''))
    return {
      alreadyHasImage: alreadyHasImage(unit.target, fields),
      rejected: { reason: UNREADABLE_REASON, retryable: true, code: 'unreadable' },
      gaveUp: { reason: UNREADABLE_REASON, retryable: true, code: 'unreadable' },
      retryDetail: describeRetry(delay, attempt + 1, tries),
      nextAttemptAt: ctx.clock.now() + delay,
      tries,
    };
  return {
    alreadyHasImage: alreadyHasImage(unit.target, fields),
    rejected: {
      ...reasonOf(rejectedReason(status, unit.target, message, text)),
      ...fields,
      retryable: false,
      code: status === 404 && unit.target.kind !== 'receipt' ? 'unknown-target' : 'rejected',
    },
    gaveUp: {
      ...reasonOf(
        msg('reason.gaveUp', {
          tries,
          message: text ?? message,
        }),
      ),
      ...fields,
      retryable: true,
      code: 'gave-up',
    },
    retryDetail: describeRetry(delay, attempt + 1, tries),
    retryNote: retryNote(delay, attempt + 1, tries),
    nextAttemptAt: ctx.clock.now() + delay,
    tries,
  };
}
