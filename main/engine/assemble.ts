import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { ConcurClient } from './concur/concur-client.js';
import type { EngineOptions } from './engine.js';
import { JobBook, type EngineJob } from './job-book.js';
import type { Ledger } from './ledger/ledger.js';
import { JobRunner } from './lifecycle/runner.js';
import type { Logger } from './log/logger.js';
import type { Clock } from './ports.js';
import type { FileSystem } from './ports/file-system.js';
import type { RetryPolicy } from './queue/backoff.js';
import type { FolderSettings, Settings } from './settings/schema.js';
import { Collecting, type Merger } from './stages/collecting.js';
import type { StageContext } from './stages/context.js';
import { Finishing } from './stages/finishing.js';
import { Holds } from './stages/holds.js';
import { Inspection } from './stages/inspection.js';
import { Preparing, shrinkRequest } from './stages/preparing.js';
import { prepareInWorker } from './prepare/run-in-worker.js';
import { Intake } from './stages/intake.js';
import { RetryRequests } from './stages/retry-requests.js';
import { Sending } from './stages/sending.js';
import type { EngineEventMap, Job } from './types.js';
import { Watchers } from './watchers.js';
import { OwnRemovals } from './watch/own-removals.js';
import { english } from './i18n/translate.js';

/**
 * The engine's stages, built once per start in one direction (docs/architecture.md#the-lifecycle):
 * intake → inspection → collecting → sending → finishing, with holds, the runner
 * that carries the lifecycle's effects to them, and the watchers feeding intake.
 */

/** Each root is reconciled with what is on disk this often, in case a watcher event was missed. */
const DEFAULT_RESCAN_MS = 5 * 60_000;

/** The built engine: every stage, made once per start. */
export interface Parts {
  ledger: Ledger;
  book: JobBook;
  runner: JobRunner;
  intake: Intake;
  inspection: Inspection;
  preparing: Preparing;
  collecting: Collecting;
  sending: Sending;
  finishing: Finishing;
  holds: Holds;
  watchers: Watchers;
  requests: RetryRequests;
}

/** What the stages need of the engine that hosts them. */
export interface EngineHost {
  readonly clock: Clock;
  readonly fs: FileSystem;
  readonly retry: RetryPolicy;
  readonly log: Logger;
  settings(): Settings;
  client(account: string): ConcurClient;
  folderFor(root: string): FolderSettings | undefined;
  accountOf(root: string): string;
  /** Set once stop() began. */
  readonly stopping: boolean;
  track<T>(work: Promise<T>): Promise<T>;
  announce(job: Job): void;
  emit<K extends keyof EngineEventMap>(event: K, ...args: EngineEventMap[K]): void;
  diskTrouble(error: unknown): void;
  diskRecovered(): void;
  summaryChanged(): void;
  idleChanged(): void;
  emitRoot(event: 'root-unavailable' | 'root-available', args: string[]): void;
  retryJob(id: string): Promise<boolean>;
  sendWithout(id: string): Promise<boolean>;
}

/** Builds the stages in one direction, each handed what it hands on to. */
export function assembleParts(ledger: Ledger, options: EngineOptions, host: EngineHost): Parts {
  const { dataDir } = options;
  const book = new JobBook(ledger, (job) => host.announce(job));
  const runner = new JobRunner(book, host.clock, host.log, {
    trouble: (error) => host.diskTrouble(error),
    recovered: () => host.diskRecovered(),
    get stopping() {
      return host.stopping;
    },
  });
  const ctx: StageContext = {
    book,
    runner,
    clock: host.clock,
    fs: host.fs,
    log: host.log,
    dataDir,
    retry: host.retry,
    settings: host.settings,
    client: host.client,
    folderFor: host.folderFor,
    accountOf: host.accountOf,
    rootReachable: async (root) => {
      try {
        return (await host.fs.lstat(root)).kind === 'dir';
      } catch {
        return false;
      }
    },
    notice: (level, said, path) => {
      const message = typeof said === 'string' ? said : english.say(said);
      host.log[level](message, { path });
      host.emit('notice', {
        level,
        message,
        path,
        ...(typeof said === 'string' ? {} : { text: said }),
      });
    },
    track: host.track,
    stopping: () => host.stopping,
    newId: options.newId ?? randomUUID,
    random: options.random ?? Math.random,
  };
  const sending = new Sending(ctx);
  const holds = new Holds(ctx, sending, {
    getToken: (account) => (options.accountAuth?.(account) ?? options).getToken(),
    recheckMs: options.tokenRecheckMs,
    emitPaused: (reason, message, text) => host.emit('paused', reason, message, text),
    emitResumed: () => host.emit('resumed'),
    changed: host.summaryChanged,
  });
  // The worker reads real files: with the simulator's virtual files, preparing is off unless given.
  const preparer = options.prepare ?? (options.fs ? undefined : prepareInWorker);
  const collecting = new Collecting(
    ctx,
    options.merge ?? mergeLazily,
    sending,
    (id) => holds.retry(id),
    preparer && ((path) => preparer(shrinkRequest(path, join(dataDir, 'staging'), ctx.newId()))),
  );
  const inspection = new Inspection(
    ctx,
    (root) => holds.detail(root),
    sending,
    preparer !== undefined,
  );
  const preparing = new Preparing(
    ctx,
    preparer ?? (() => Promise.reject(new Error('preparing is not available here'))),
    () => holds.detail(),
  );
  const intake = new Intake(ctx);
  const removals = new OwnRemovals(host.clock);
  const finishing = new Finishing(ctx, (root, rel) => intake.onFile(root, rel), removals);
  /** Out of every waiting place: readiness, the merge window, the queue, the copies. */
  const leave = (job: EngineJob, before: EngineJob) => {
    inspection.leave(job);
    preparing.leave(job, before);
    collecting.leave(job);
    sending.leave(job, before.batchId);
  };
  runner.connect({
    awaitReady: (job) => {
      inspection.awaitReady(job);
      collecting.touch(job.target);
    },
    inspect: (job) => inspection.inspect(job),
    collect: (job) => collecting.collect(job),
    enqueue: (job, notBefore) => sending.enqueue(job, notBefore),
    prepare: (job) => preparing.prepare(job),
    leaveWaits: (job, before) => leave(job, before),
    finish: (job) => finishing.finish(job),
    releaseCopies: (job) => inspection.releaseCopies(job),
    holdForSignIn: (message, job, text) =>
      holds.hold('sign-in', message, host.accountOf(job.root), text),
  });
  const watchers = new Watchers(
    {
      book,
      clock: host.clock,
      log: host.log,
      ownPaths: [dataDir, ...(options.ownFiles ?? [])].map((p) => resolve(p)),
      settleMs: () => host.settings().settleMs,
      folderFor: host.folderFor,
      notice: ctx.notice,
      removals,
      // A root no longer watched: its waiting jobs leave memory (they stay in the ledger).
      forgetRoot: (root) => {
        for (const job of [...book.live.values()]) {
          if (job.root !== root || job.phase === 'uploading' || job.phase === 'outgoing') continue;
          leave(job, job);
          book.forget(job.id);
        }
      },
    },
    intake,
    {
      recheckMs: options.rootRecheckMs,
      rescanMs: options.rescanMs ?? DEFAULT_RESCAN_MS,
      missEventsForTests: options.missEventsForTests,
      watch: options.watch,
      emit: (event, ...args) => host.emitRoot(event, args),
      changed: host.idleChanged,
    },
  );
  const requests = new RetryRequests(ctx, host.retryJob, host.sendWithout, options.requestsMs);
  return {
    ledger,
    book,
    runner,
    intake,
    inspection,
    preparing,
    collecting,
    sending,
    finishing,
    holds,
    watchers,
    requests,
  };
}

/**
 * pdf-lib (some 200 files) is loaded the first time a batch is merged, not at
 * every start: most runs send receipts, which are never merged.
 */
const mergeLazily: Merger = async (...args) =>
  (await import('./merge/merge-pdf.js')).mergeToPdf(...args);
