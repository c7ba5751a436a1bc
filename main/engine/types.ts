import type { Message } from './i18n/translate.js';
import type { ErrorCode } from './lifecycle/codes.js';
import type { Disposition, Phase } from './lifecycle/phase.js';
import type { Settings } from './settings/schema.js';

export type { ErrorCode } from './lifecycle/codes.js';
export type { Disposition, Outcome, Phase } from './lifecycle/phase.js';

/**
 * The engine's domain types: the one vocabulary shared by the engine, the CLI,
 * the Electron shell, the preload contract and the renderer. Type-only, so the
 * renderer can import it without pulling in Node.
 */

/** Where in Concur an image goes (docs/architecture.md#concurs-rules). */
export type TargetKind = 'receipt' | 'report' | 'entry' | 'invoice';

export type UploadTarget =
  | { kind: 'receipt' }
  | {
      kind: 'report' | 'entry' | 'invoice';
      id: string;
      /** folder display name, e.g. "Berlin trip" */ label?: string;
    };

/** Life of one scan (docs/architecture.md#the-ledger). */
export type JobState =
  | 'waiting' // seen, not yet ready (scanner still writing, merge window open)
  | 'queued'
  | 'uploading'
  | 'uploaded'
  | 'duplicate'
  | 'failed'
  | 'paused'; // the account needs sign-in; resumes by itself when the token changes

export const FINAL_STATES: readonly JobState[] = ['uploaded', 'duplicate', 'failed'];

/** Why a job failed, in words a user understands, plus what Concur said. */
export interface JobError {
  /** Plain reason, e.g. "The file is empty." */
  reason: string;
  /** Concur's own message, when it sent one. */
  message?: string;
  /** Concur's error Id. */
  errorId?: string;
  /** The concur-correlationid response header. */
  correlationId?: string;
  /** HTTP status, when a response came. */
  status?: number;
  /** True when Retry may help (network, 5xx, rate limit after 8 tries). */
  retryable: boolean;
  /** Stable code: what recovery and tests compare (never the reason's words). */
  code?: ErrorCode;
  /** The reason as a catalog key and its parameters: what each host words in its language. */
  text?: Message;
}

/** The version of a file that was sent (or inspected to be sent): finishing moves only this version. */
export interface SentVersion {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** One scan file as the engine tracks it. Everything the status views show. */
export interface Job {
  id: string;
  /** The watched root (absolute path). */
  root: string;
  /** Path relative to the root, with '/' separators. */
  relPath: string;
  /** File name only, for display. */
  name: string;
  target: UploadTarget | null;
  state: JobState;
  /** The lifecycle phase `state` is derived from (main/engine/lifecycle/phase.ts). */
  phase?: Phase;
  /** Once done: what became of the file; unset while finishing is still to do. */
  disposition?: Disposition;
  /** A short note on the current state, e.g. "waiting for the scanner". */
  detail?: string;
  /** `detail` as a catalog key and its parameters, for hosts that speak another language. */
  detailText?: Message;
  /** 0..1 while uploading. */
  progress?: number;
  /** Files for one entry/invoice merged into one PDF share a batch id. */
  batchId?: string;
  /** How many scans that PDF holds: "3 scans merged into one PDF". */
  batchSize?: number;
  size?: number;
  mtimeMs?: number;
  sha256?: string;
  contentType?: ContentType;
  /** What was done to the file before upload: "converted from TIFF (3 pages)", "shrunk from 24.1 MB to 8.7 MB". */
  note?: string;
  /** `note` as catalog keys (one per part of it), for hosts that speak another language. */
  noteText?: Message[];
  /** Sent as this many images (a split stack, or a report file too large for one). */
  parts?: number;
  /** Of those, how many Concur has taken. */
  partsSent?: number;
  /** The Concur image id once uploaded (or the original's, for a duplicate). */
  imageId?: string;
  attempts: number;
  /** Epoch ms of the next retry while backing off. */
  nextAttemptAt?: number;
  error?: JobError;
  /** Where the file is now, when it was moved (Uploaded/ or Failed/). */
  finalPath?: string;
  /**
   * A file for an entry or invoice that failed its check: the rest of that
   * batch waits for a fixed file, or for "Upload without it".
   */
  holdsBatch?: boolean;
  /** The earlier failed job at this file's path; this upload replaces that failure. */
  replaces?: string;
  /** Set once a later upload of the same file replaced this failure: no longer counted or listed. */
  replacedBy?: string;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
}

export type ContentType = 'application/pdf' | 'image/jpeg' | 'image/png';

/** Counts the tray, the window header and the CLI derive their state from. */
export interface Summary {
  waiting: number;
  queued: number;
  uploading: number;
  uploaded: number;
  duplicate: number;
  failed: number;
  paused: number;
  /** Uploaded (not duplicate) since local midnight. */
  uploadedToday: number;
  /** Why uploads are held: the user paused, or the token was refused, or there is no token. */
  pausedBy: PauseReason | null;
  /** Roots that are configured but cannot be reached now. */
  unavailableRoots: string[];
  /** Watched roots, absolute. */
  roots: string[];
  /** With several accounts: those waiting for sign-in (their folders are paused, the others go on). */
  signInNeeded?: string[];
}

export type PauseReason = 'user' | 'sign-in' | 'disk-full';

export type JobFilter = 'all' | 'active' | 'failed';

/** Typed engine events (like chokidar's FSWatcherEventMap). */
export interface EngineEventMap {
  /** A job was added or changed; carries the whole job. */
  job: [job: Job];
  summary: [summary: Summary];
  /** `text`: the message's words for people, when the engine has them. */
  paused: [reason: PauseReason, message: string, text?: Message];
  resumed: [];
  'root-unavailable': [root: string, reason: string];
  'root-available': [root: string];
  /** Something the user should know that is not a job (e.g. a skipped non-file). */
  notice: [
    notice: {
      level: 'info' | 'warn' | 'error';
      message: string;
      path?: string;
      /** `message` as a catalog key, for hosts that speak another language. */
      text?: Message;
    },
  ];
}

/** What hosts (CLI, Electron shell, browser UI server) may ask of the engine. */
export interface EngineApi {
  start(): Promise<void>;
  /** Stops watching, waits for in-flight ledger writes; uploads in flight are abandoned and resume next start. */
  stop(): Promise<void>;
  jobs(filter?: JobFilter, limit?: number): Job[];
  job(id: string): Job | undefined;
  summary(): Summary;
  retry(jobId: string): Promise<boolean>;
  retryAllFailed(): Promise<number>;
  /** "Upload without it": an entry's or invoice's batch waiting for this failed file goes now. */
  sendWithout(jobId: string): Promise<boolean>;
  pause(): void;
  resume(): void;
  /** The token was set or replaced: lift a sign-in pause and try again. */
  tokenChanged(): void;
  /** New settings (folders, routes, behaviour): re-arms watchers, keeps the queue. */
  updateSettings(settings: Settings): Promise<void>;
  /** Resolves when no job is waiting, queued or uploading (paused counts as settled). */
  whenIdle(): Promise<void>;
}
