import type { ConcurClient } from '../concur/concur-client.js';
import type { JobBook } from '../job-book.js';
import type { JobRunner } from '../lifecycle/runner.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../ports.js';
import type { FileSystem } from '../ports/file-system.js';
import type { RetryPolicy } from '../queue/backoff.js';
import type { FolderSettings, Settings } from '../settings/schema.js';
import type { Message } from '../i18n/translate.js';

/**
 * What every stage reads: the job book (read-only: only the runner writes),
 * the runner to report events to, and the ports. Nothing in it is another
 * stage: stages are handed their successors when they are built.
 */
export interface StageContext {
  readonly book: JobBook;
  readonly runner: JobRunner;
  readonly clock: Clock;
  readonly fs: FileSystem;
  readonly log: Logger;
  readonly dataDir: string;
  readonly retry: RetryPolicy;
  settings(): Settings;
  /** The Concur client of an account (docs/architecture.md#signing-in-to-concur). */
  client(account: string): ConcurClient;
  folderFor(root: string): FolderSettings | undefined;
  /** The account a root's scans go to ('' or an unknown root: the first account). */
  accountOf(root: string): string;
  /** Whether the watched root itself is reachable now (a deleted file vs an unplugged share). */
  rootReachable(root: string): Promise<boolean>;
  /** A Message is sent in English words and as itself, for hosts that speak another language. */
  notice(level: 'info' | 'warn' | 'error', message: string | Message, path?: string): void;
  /** Counts async work for whenIdle(). */
  track<T>(work: Promise<T>): Promise<T>;
  /** Set once stop() began: in-flight work must not start anything new. */
  stopping(): boolean;
  /** A new job or batch id. */
  newId(): string;
  /** A number in [0, 1) for backoff jitter (seeded in the simulator, so a run replays). */
  random(): number;
}
