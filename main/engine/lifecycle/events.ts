import type { UploadOutcome } from '../concur/concur-client.js';
import type { ContentType, JobError, SentVersion, UploadTarget } from '../types.js';
import type { SniffedType } from '../inspect/file-type.js';
import type { PreparedPart } from '../prepare/prepare-types.js';
import type { Disposition } from './phase.js';
import type { Message } from '../i18n/translate.js';

/**
 * What can happen to a job: the reducer's input. Each names a fact (the file
 * changed, Concur answered, the process restarted), never an instruction.
 * Facts that need a look-up (is this content already uploaded?) are looked up
 * by the runner and carried in the event, so the reducer stays pure.
 */
export type JobEvent =
  /** A new file was found in a root. */
  | { type: 'seen' }
  /** The file changed (or was replaced) while the job was tracked. */
  | { type: 'changed' }
  /** Still for settleMs, but its end is missing: a scanner still appending. */
  | { type: 'incomplete'; size: number; mtimeMs: number }
  /** Never completed within maxWaitMs. */
  | { type: 'timed-out'; size: number; mtimeMs: number; waitedMs: number }
  /** Still and complete: ready to be inspected. */
  | { type: 'ready'; size: number; mtimeMs: number }
  /** The file is not there any more (its folder is). */
  | { type: 'gone' }
  /** The file's watched folder cannot be reached (a share dropped, a folder unplugged). */
  | { type: 'unreachable' }
  /** Routing or inspection found it can never go as it is. `keepInPlace`: not moved to Failed/. */
  | {
      type: 'refused';
      error: JobError;
      keepInPlace?: boolean;
      /** The version refused, when inspection never got to record it (an unreadable file). */
      version?: { size: number; mtimeMs: number };
      /** Its entry's or invoice's other files wait for a fixed one (docs/architecture.md#a-forgiving-batch). */
      holdsBatch?: boolean;
    }
  /** Inspected and fit to send; `oneImage` when its target takes one image (entries, invoices). */
  | {
      type: 'inspected';
      found: Found;
      oneImage: boolean;
      /** Set when uploads are held now: the job waits held rather than queued. */
      heldBy?: string;
    }
  /** Inspected, but Concur cannot take it as it is: converted, shrunk or split first. */
  | { type: 'needs-preparing'; found: Found; from: SniffedType }
  /** Prepared: these parts go to Concur instead of the file, in order. */
  | {
      type: 'prepared';
      parts: PreparedPart[];
      note: string;
      noteText?: Message[];
      oneImage: boolean;
      heldBy?: string;
    }
  /** The same content already went to the same target. */
  | {
      type: 'duplicate';
      imageId?: string;
      detail: string;
      detailText?: Message;
      found?: Found;
      /** `uploaded`: it is our own earlier upload that landed (its answer was lost), not a copy. */
      outcome?: 'uploaded';
    }
  /** The same content is being uploaded to the same target by another job: wait for it. */
  | { type: 'parked'; detail: string; detailText?: Message; found: Found }
  /** Its merge window closed: its batch is being merged. */
  | { type: 'merging'; batchId: string; batchSize?: number; detail: string; detailText?: Message }
  /** Ready to go: waits for a slot (or for `notBefore`, or held while `heldBy`). */
  /** `batchId`: queued as a member of this merged batch (only while still merging in it). */
  | { type: 'queued'; notBefore?: number; detail?: string; heldBy?: string; batchId?: string }
  /** Uploads were held (sign-in, user pause, disk full). */
  | { type: 'held'; detail: string }
  /** Uploads may go again. */
  | { type: 'released'; detail?: string }
  /** The request is going out now with these bytes. */
  | {
      type: 'sending';
      attempt: number;
      sent: SentVersion;
      detail: string;
      detailText?: Message;
      /** Recorded ahead: it goes on the wire once a connection is free (`on-wire`). */
      ahead?: boolean;
    }
  /** A connection was free: the request recorded ahead goes on the wire now. */
  | { type: 'on-wire'; detail: string; detailText?: Message }
  /** Recorded as going out, then held back before a byte went: uploads were paused meanwhile. */
  | { type: 'held-back'; detail: string }
  /**
   * Concur answered (or did not). `reasons` word the ends it may lead to; an
   * answer that cannot end in a reason (uploaded, changed, sign-in needed) has none.
   */
  | { type: 'answered'; outcome: UploadOutcome; reasons?: AnswerReasons }
  /** The file was moved, kept or deleted after the job ended. */
  | { type: 'finished'; disposition: Disposition; finalPath?: string; detail?: string }
  /**
   * The last run ended with this job unfinished. `batchMayHaveLanded`: it was in a batch whose
   * merged PDF may have reached Concur (a batch-mate's upload was cut off or its answer lost),
   * though a crash between the members' records left this one's saying otherwise.
   */
  | { type: 'recovered'; batchMayHaveLanded?: boolean }
  /** A new version of its file, left in place after it failed, is a new job now. */
  | { type: 'superseded' }
  /** Its batch no longer waits for it: a fixed file arrived, or the user sent the rest without it. */
  | { type: 'batch-released'; detail: string; detailText?: Message }
  /** A collecting file waits for a batch-mate that failed its check. */
  | { type: 'batch-waits'; detail: string; detailText?: Message }
  /** A later upload of the same file replaced this failure. */
  | { type: 'replaced'; by: string }
  /** Retry: start over from readiness (the file is back in place, maybe under another name). */
  | { type: 'retried'; relPath: string; name: string };

/** What inspection found out about a file fit to send. */
export interface Found {
  target: UploadTarget;
  sha256: string;
  /** What goes to Concur; unset while a file that must be prepared first is not yet. */
  contentType?: ContentType;
  size: number;
  mtimeMs: number;
}

/** The words for answers, chosen by the runner (they name the target and Concur's message). */
export interface AnswerReasons {
  alreadyHasImage: JobError;
  rejected: JobError;
  gaveUp: JobError;
  /** Backing-off detail for a transient answer given its delay. */
  retryDetail: string;
  retryNote?: Message;
  /** When the next attempt may go (transient answers). */
  nextAttemptAt: number;
  tries: number;
}
