import type { Disposition, ErrorCode, Job, JobError, JobState, Phase } from '../types.js';
import type { JobRecord } from './record.js';

/**
 * Version 1 → 2 of a ledger record. Version 1 had no phase and kept what
 * recovery needs in words meant for people (a job's detail, its error's
 * reason); version 2 names the phase, the file's disposition and a stable
 * error code. The words below are those version 1 wrote, kept here only to
 * read old records: nothing new compares them.
 */

/** Detail of a version-1 job whose file stayed in place after upload. */
const KEPT_DETAIL = 'kept in place';
/** Detail of a version-1 job whose file was deleted after upload. */
const DELETED_DETAIL = 'deleted after upload';
/** Reason of a version-1 job whose file vanished before its upload. */
const DELETED_REASON = 'The file was deleted before it could be uploaded.';

/** Where a version-1 state resumes. Unknown detail (inspecting, collecting) is found again from settling. */
const PHASE_OF_STATE: Record<JobState, Phase> = {
  waiting: 'settling',
  queued: 'queued',
  uploading: 'uploading',
  paused: 'held',
  uploaded: 'done',
  duplicate: 'done',
  failed: 'done',
};

/** Reason words → code, first match wins (batch-too-large before too-large). */
const REASON_CODES: [RegExp, ErrorCode][] = [
  [/^The file was deleted before it could be uploaded/, 'deleted'],
  [/^The file is empty/, 'empty'],
  [
    /^This file is not a PDF, JPEG or PNG|Concur accepts only PDF, JPEG and PNG/,
    'unsupported-type',
  ],
  [/make a .* PDF; Concur accepts at most 10 MB per/, 'batch-too-large'],
  [/^The file is .*; Concur accepts at most 10 MB/, 'too-large'],
  [/password protected \(encrypted\)/, 'encrypted'],
  [/is incomplete \(cut off before its end\)|still incomplete/, 'incomplete'],
  [/already has an image in Concur/, 'already-has-image'],
  [/could not be merged into one PDF/, 'merge-failed'],
  [/\(HTTP 404\)/, 'unknown-target'],
  [/^Concur refused the file/, 'rejected'],
  [/^Concur could not take the file after \d+ attempts/, 'gave-up'],
  [/^This is a symbolic link|symbolic link loop/, 'symlink'],
  [/^This is .*; it was skipped\.$/, 'not-a-file'],
  [/^The file ".*" is directly in the |^The folder ".*" (names|does not name)/, 'invalid-folder'],
];

/** The stable code a version-1 error's reason stands for, when it can be told. */
export function codeOfReason(error: JobError): ErrorCode | undefined {
  for (const [pattern, code] of REASON_CODES) if (pattern.test(error.reason)) return code;
  if (error.status === 404) return 'unknown-target';
  if (error.status !== undefined && error.status >= 400 && error.status < 500) return 'rejected';
  if (error.retryable) return 'gave-up';
  return undefined;
}

/**
 * What became of a done job's file, as far as version-1 fields tell;
 * undefined when finishing may still be to do (a crash between the ledger
 * write and the move), which recovery then finishes.
 */
export function legacyDisposition(job: Job): Disposition | undefined {
  if (job.finalPath) return 'moved';
  if (job.detail === KEPT_DETAIL) return 'kept';
  if (job.detail === DELETED_DETAIL) return 'deleted';
  if (job.state !== 'failed' || !job.error) return undefined;
  if (job.error.retryable) return 'kept';
  if (job.error.code === 'deleted' || job.error.reason === DELETED_REASON) return 'gone';
  // Left where they were on purpose: ignored by the folder's routes, or not a file at all.
  if (job.error.reason.startsWith('Not uploaded: ')) return 'kept';
  const code = job.error.code ?? codeOfReason(job.error);
  if (code === 'not-a-file' || code === 'symlink') return 'kept';
  return undefined;
}

/**
 * A version-1 record as version 2. Also takes a version-2 record whose state
 * was changed by code that knows no phases: its phase, disposition and
 * landing mark are derived again from the state and the version-1 fields.
 */
export function migrateRecord(old: Job & { v?: unknown; interrupted?: boolean }): JobRecord {
  const rest: Job & { v?: unknown; interrupted?: boolean; mayHaveLanded?: boolean } = { ...old };
  delete rest.v;
  delete rest.phase;
  delete rest.disposition;
  delete rest.mayHaveLanded;
  const phase = PHASE_OF_STATE[rest.state] ?? 'settling';
  const record = { v: 2, ...rest, phase } as JobRecord;
  if (record.error) {
    const code = record.error.code ?? codeOfReason(record.error);
    record.error = { ...record.error };
    if (code !== undefined) record.error.code = code;
  }
  if (phase === 'done') {
    const disposition = legacyDisposition(record);
    if (disposition !== undefined) record.disposition = disposition;
  } else if (phase === 'uploading' || rest.interrupted === true) {
    // An upload on the wire when the record was written: Concur may have it already.
    record.mayHaveLanded = true;
  }
  return record;
}

/** The detail a version-1 reader expects of a finished job whose file stayed (or was deleted). */
export function legacyDetail(
  state: JobState,
  disposition: Disposition | undefined,
): string | undefined {
  if (state === 'failed') return undefined;
  if (disposition === 'kept') return KEPT_DETAIL;
  if (disposition === 'deleted') return DELETED_DETAIL;
  return undefined;
}
