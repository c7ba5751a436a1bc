/**
 * Stable codes for why a job failed. Recovery, finishing and tests compare
 * these, never the words a person reads (those are reworded and translated).
 */
export type ErrorCode =
  /** The file vanished before it could be uploaded. */
  | 'deleted'
  | 'empty'
  | 'unsupported-type'
  | 'too-large'
  /** Stable but cut off before its end for longer than maxWaitMs. */
  | 'incomplete'
  | 'encrypted'
  /** A folder name under report/, entry/ or invoice/ without a valid id. */
  | 'invalid-folder'
  /** Concur took an image for this entry or invoice already. */
  | 'already-has-image'
  | 'merge-failed'
  /** Converting or shrinking the file failed for a reason of its own (a damaged page). */
  | 'convert-failed'
  | 'batch-too-large'
  /** Concur does not know the report, entry or invoice (404). */
  | 'unknown-target'
  /** Concur refused the file (4xx other than the above). */
  | 'rejected'
  /** Transient trouble outlasted every try: retryable. */
  | 'gave-up'
  /** A symbolic link: never followed. */
  | 'symlink'
  /** A name the OS cannot give as text (not valid UTF-8). */
  | 'bad-name'
  /** Permission denied (a file or folder Concur Drop may not read). */
  | 'unreadable'
  /** Something with a scan's name that is not a regular file (folder, pipe, device). */
  | 'not-a-file'
  /** The folder's routes say to leave it alone. */
  | 'ignored';

/** Codes where trying again later, unchanged, may succeed. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set(['gave-up', 'unreadable']);
