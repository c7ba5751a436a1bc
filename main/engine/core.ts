import type { ConcurClient } from './concur/concur-client.js';
import type { BatchCollector } from './batches.js';
import type { JobBook } from './job-book.js';
import type { Logger } from './log/logger.js';
import type { Clock } from './ports.js';
import type { RetryPolicy } from './queue/backoff.js';
import type { UploadQueue } from './queue/upload-queue.js';
import type { FolderSettings, Settings } from './settings/schema.js';
import type { ContentType, PauseReason, UploadTarget } from './types.js';
import type { Readiness } from './watch/readiness.js';

/**
 * What the engine's parts (intake, uploads, endings) share. The Engine owns
 * it; the parts only read and call through it, so each stays small.
 */

/** One upload: a file, or the merged PDF of a batch, for one target. */
export interface UploadUnit {
  id: string;
  jobIds: string[];
  target: UploadTarget;
  /** Absolute path of what is sent. */
  path: string;
  contentType: ContentType;
  /** True when `path` is a merged PDF in the staging folder (deleted after). */
  staged: boolean;
}

export interface Core {
  readonly book: JobBook;
  readonly clock: Clock;
  readonly log: Logger;
  readonly dataDir: string;
  /** The data dir and config file: never scans, should someone put them inside a watched root. */
  readonly ownPaths: readonly string[];
  readonly readiness: Readiness;
  readonly batches: BatchCollector;
  readonly queue: UploadQueue<UploadUnit>;
  readonly retry: RetryPolicy;
  settings: Settings;
  client: ConcurClient;
  /** Why uploads are held now (empty: not held). */
  readonly pauseReasons: Set<PauseReason>;
  /** Set once stop() began: in-flight work must not write new states. */
  stopping: boolean;
  folderFor(root: string): FolderSettings | undefined;
  /** Whether the watched root itself is reachable now (a deleted file vs an unplugged share). */
  rootReachable(root: string): Promise<boolean>;
  notice(level: 'info' | 'warn' | 'error', message: string, path?: string): void;
  /** A refused or missing token: hold every upload until the token changes. */
  pauseForSignIn(message: string): void;
  /** Counts async work for whenIdle(). */
  track<T>(work: Promise<T>): Promise<T>;
  /** Hands a unit to the queue, marking its jobs queued (or paused while held). */
  enqueue(unit: UploadUnit, notBefore?: number, detail?: string): Promise<void>;
  /** A job reached a final state: lets duplicates waiting on it go. */
  settled(jobId: string): void;
}
