import type { Job, Phase, SentVersion } from '../types.js';
import { FINAL_STATES } from '../types.js';
import { stateOf } from '../lifecycle/phase.js';
import { codeOfReason, legacyDisposition, migrateRecord } from './migrate.js';

/**
 * A job as the ledger stores it (record version 2): the public Job plus the
 * lifecycle phase it is derived from and what recovery compares (what was
 * sent, whether an upload in flight may have landed).
 */
export interface JobRecord extends Job {
  v: 2;
  phase: Phase;
  /** The version of the file that was sent (or inspected to be sent). */
  sent?: SentVersion;
  /**
   * An attempt was cut off without an answer (crash, lost reply): Concur may hold it already.
   * The SHA-256 of the version that went out then; `true` when not known (older records).
   */
  mayHaveLanded?: boolean | string;
}

/** Whether a parsed journal line has what every job has. */
export function isJob(value: unknown): value is Job {
  if (typeof value !== 'object' || value === null) return false;
  const job = value as Record<string, unknown>;
  return (
    typeof job.id === 'string' &&
    typeof job.state === 'string' &&
    typeof job.root === 'string' &&
    typeof job.relPath === 'string' &&
    typeof job.createdAt === 'number'
  );
}

/** A version-2 record whose phase agrees with its state. */
function isCurrent(job: Job & { v?: unknown }): boolean {
  if (job.v !== 2 || job.phase === undefined) return false;
  if (job.phase === 'done') return FINAL_STATES.includes(job.state);
  return stateOf(job.phase) === job.state;
}

/**
 * The record to store for `job`. A version-2 record whose phase agrees with
 * its state is kept as given, with a code or disposition that can be told
 * from older fields filled in. Anything else — a version-1 line, or a record
 * whose state was changed by code that knows no phases — is migrated from its
 * state, so the phase never contradicts what users see.
 * Returns `job` itself when nothing changes.
 */
export function toRecord(job: Job): JobRecord {
  if (!isCurrent(job)) return migrateRecord(job);
  const record = job as JobRecord;
  const code =
    record.error && record.error.code === undefined ? codeOfReason(record.error) : undefined;
  const disposition =
    record.phase === 'done' && record.disposition === undefined
      ? legacyDisposition(record)
      : undefined;
  if (code === undefined && disposition === undefined) return record;
  const filled: JobRecord = { ...record };
  if (code !== undefined) filled.error = { ...record.error!, code };
  if (disposition !== undefined) filled.disposition = disposition;
  return filled;
}

/** Done and its file dealt with: such a record may leave memory. */
export function isSettled(record: Job): boolean {
  // A failed-retryable file waiting in place is not settled: the next start tries it again.
  if (record.state === 'failed' && record.error?.retryable && record.disposition === 'kept')
    return false;
  // A failure its batch waits on stays at hand: the batch's files ask for it at every start.
  if (record.holdsBatch) return false;
  return FINAL_STATES.includes(record.state) && record.disposition !== undefined;
}
