import { EventEmitter } from 'node:events';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createConcurClient, type ConcurClient } from './concur/concur-client.js';
import { BatchCollector } from './batches.js';
import type { Core, UploadUnit } from './core.js';
import { Intake } from './intake.js';
import { JobBook } from './job-book.js';
import { Ledger, ledgerDir } from './ledger/ledger.js';
import { createLogger } from './log/logger.js';
import { systemClock, type Clock } from './ports.js';
import { DEFAULT_RETRY, type RetryPolicy } from './queue/backoff.js';
import { UploadQueue } from './queue/upload-queue.js';
import { resolveRoots, type WatchedRoot } from './roots.js';
import type { FolderSettings, Settings } from './settings/schema.js';
import { buildSummary, emptyCounts, startOfLocalDay } from './summary.js';
import { Controls } from './controls.js';
import type { EngineApi, EngineEventMap, Job, JobFilter, PauseReason, Summary } from './types.js';
import { Uploads } from './uploads.js';
import { Readiness } from './watch/readiness.js';
import { Watchers } from './watchers.js';

/**
 * The watch-and-upload engine (DESIGN §2–§4): plain Node, built from ports,
 * emitting typed events. Hosts (CLI, Electron shell) only call EngineApi and
 * listen. The work is done by small parts sharing a Core: Watchers (chokidar
 * per root), Readiness, Intake (route/inspect/dedupe/merge windows), the
 * UploadQueue with Uploads (attempts, retries, sign-in pause), and endings
 * (Uploaded/ and Failed/).
 */

export interface EngineOptions {
  settings: Settings;
  /** Ledger in <dataDir>/ledger, merge staging in <dataDir>/staging (never inside a watched folder). */
  dataDir: string;
  getToken: () => Promise<string | null>;
  clock?: Clock;
  retry?: { baseMs?: number; maxMs?: number; tries?: number };
  timeouts?: { connectMs?: number; responseMs?: number };
  /** Relative folder paths resolve against it (the CLI's config file folder); default process.cwd(). */
  configDir?: string;
  /** Files of Concur Drop's own (the CLI's config file) never taken as scans, even inside a root. */
  ownFiles?: string[];
  /** How often a missing root is looked for again; default 5000. */
  rootRecheckMs?: number;
  /**
   * How often each root is listed again (readdir + stat) to pick up files no watcher event
   * reported; default 300000 (5 min); 0 turns it off. New folders are listed again once
   * `settleMs` after they appear, regardless.
   */
  rescanMs?: number;
  /** For tests only: chokidar events of these files are dropped, as if the OS never sent them. */
  missEventsForTests?: (root: string, relPath: string) => boolean;
  /** While uploads wait for sign-in, how often the token source is asked whether the token changed; default 30000. */
  tokenRecheckMs?: number;
}

const log = createLogger('engine');

/** Each root is reconciled with what is on disk this often, in case a watcher event was missed. */
const DEFAULT_RESCAN_MS = 5 * 60_000;

export class Engine extends EventEmitter<EngineEventMap> implements EngineApi {
  private core: Core | null = null;
  private ledger: Ledger | null = null;
  private intake: Intake | null = null;
  private uploads: Uploads | null = null;
  private watchers: Watchers | null = null;
  private controls: Controls | null = null;
  private ops = 0;
  private idleWaiters: (() => void)[] = [];
  private idleCheckQueued = false;
  private summaryQueued = false;
  private settings: Settings;
  private folders = new Map<string, FolderSettings>();
  private readonly clock: Clock;
  private readonly retryPolicy: RetryPolicy;

  constructor(private readonly options: EngineOptions) {
    super();
    this.settings = options.settings;
    this.clock = options.clock ?? systemClock;
    this.retryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  }

  async start(): Promise<void> {
    if (this.core) return;
    const { dataDir } = this.options;
    const ledger = await Ledger.open(ledgerDir(dataDir));
    this.ledger = ledger;
    try {
      // Merged PDFs of the last run are rebuilt from their files: a half-written one must not be sent.
      await rm(join(dataDir, 'staging'), { recursive: true, force: true });
      await mkdir(join(dataDir, 'staging'), { recursive: true });
      await this.assemble(ledger);
    } catch (error) {
      await this.watchers?.closeAll();
      await ledger.close();
      this.core = null;
      throw error;
    }
  }

  /** Builds the parts, resumes what the last run left, then arms the watchers. */
  private async assemble(ledger: Ledger): Promise<void> {
    const { dataDir } = this.options;

    const book = new JobBook(ledger, this.clock, (job) => this.announce(job));
    const core: Core = {
      book,
      clock: this.clock,
      log,
      dataDir,
      ownPaths: [dataDir, ...(this.options.ownFiles ?? [])].map((p) => resolve(p)),
      retry: this.retryPolicy,
      settings: this.settings,
      client: this.makeClient(),
      pauseReasons: new Set<PauseReason>(),
      stopping: false,
      readiness: new Readiness({
        settleMs: this.settings.settleMs,
        maxWaitMs: this.settings.maxWaitMs,
        clock: this.clock,
        onVerdict: (id, verdict) => this.intake?.onVerdict(id, verdict),
        onError: (id, error) => log.warn('readiness check failed', { id, error }),
      }),
      batches: new BatchCollector({
        clock: this.clock,
        windowMs: this.settings.batchWindowMs,
        canClose: (key) => this.intake?.canClose(key) ?? true,
        onClose: (key, ids) => this.intake?.closeBatch(key, ids),
      }),
      queue: new UploadQueue<UploadUnit>({
        concurrency: this.settings.concurrency,
        clock: this.clock,
        run: (unit) => this.uploads!.run(unit),
        onChange: () => this.checkIdle(),
      }),
      folderFor: (root) => this.folders.get(root),
      rootReachable: async (root) => {
        try {
          return (await stat(root)).isDirectory();
        } catch {
          return false;
        }
      },
      notice: (level, message, path) => {
        log[level](message, { path });
        this.emit('notice', { level, message, path });
      },
      pauseForSignIn: (message) => this.controls?.hold('sign-in', message),
      track: (work) => this.track(work),
      enqueue: (unit, notBefore, detail) => this.controls!.enqueue(unit, notBefore, detail),
      settled: (id) => this.intake?.settled(id),
    };
    this.core = core;
    this.intake = new Intake(core);
    this.uploads = new Uploads(core);
    this.controls = new Controls(core, {
      getToken: this.options.getToken,
      recheckMs: this.options.tokenRecheckMs,
      emitPaused: (reason, message) => this.emit('paused', reason, message),
      emitResumed: () => this.emit('resumed'),
      changed: () => this.queueSummary(),
    });
    this.watchers = new Watchers(core, this.intake, {
      recheckMs: this.options.rootRecheckMs,
      rescanMs: this.options.rescanMs ?? DEFAULT_RESCAN_MS,
      missEventsForTests: this.options.missEventsForTests,
      emit: (event, ...args) => this.emitRoot(event, args),
      changed: () => this.checkIdle(),
    });

    // DESIGN §4: what the last run left unfinished resumes before new files are looked at.
    const folders = this.useFolders(this.settings);
    for (const job of book.unfinished()) {
      if (this.folders.has(job.root)) await this.intake.resume(job);
      else log.info('left an unfinished job of a folder no longer watched', { path: job.relPath });
    }
    await this.watchers.set(folders);
    this.queueSummary();
    this.checkIdle();
  }

  async stop(): Promise<void> {
    const core = this.core;
    if (!core || core.stopping) return;
    core.stopping = true;
    this.controls?.stop();
    await this.watchers?.closeAll();
    core.readiness.stop();
    core.batches.stop();
    core.queue.stop();
    this.uploads?.abortAll();
    // Let in-flight work finish writing what it was writing; uploads return without new states.
    const deadline = Date.now() + 10_000;
    while ((this.ops > 0 || core.queue.running > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.ledger?.close();
    this.core = null;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  jobs(filter: JobFilter = 'all', limit = 200): Job[] {
    const book = this.core?.book;
    if (!book) return [];
    if (filter === 'active')
      return book.inStates(['waiting', 'queued', 'uploading', 'paused'], limit);
    if (filter === 'failed') return book.inStates(['failed'], limit);
    return book.all(limit);
  }

  job(id: string): Job | undefined {
    return this.core?.book.get(id);
  }

  summary(): Summary {
    const core = this.core;
    const reasons = core?.pauseReasons ?? new Set<PauseReason>();
    return buildSummary({
      counts: core?.book.counts() ?? emptyCounts(),
      uploadedToday: core?.book.uploadedSince(startOfLocalDay(this.clock.now())) ?? 0,
      pausedBy: reasons.has('sign-in') ? 'sign-in' : reasons.has('user') ? 'user' : null,
      unavailableRoots: this.watchers?.unavailableRoots() ?? [],
      roots: this.watchers?.rootPaths() ?? [],
    });
  }

  async retry(jobId: string): Promise<boolean> {
    if (!this.controls) return false;
    return this.track(this.controls.retry(jobId, (job) => this.intake!.recheck(job)));
  }

  async retryAllFailed(): Promise<number> {
    if (!this.core) return 0;
    let n = 0;
    for (const job of this.core.book.inStates(['failed'])) if (await this.retry(job.id)) n++;
    return n;
  }

  pause(): void {
    this.controls?.hold('user', 'Uploads paused.');
  }

  resume(): void {
    this.controls?.release('user');
  }

  tokenChanged(): void {
    this.controls?.release('sign-in');
  }

  async updateSettings(settings: Settings): Promise<void> {
    this.settings = settings;
    const core = this.core;
    if (!core) return;
    const concurChanged =
      settings.concur.baseUrl !== core.settings.concur.baseUrl ||
      settings.concur.authScheme !== core.settings.concur.authScheme;
    core.settings = settings;
    if (concurChanged) core.client = this.makeClient();
    core.readiness.configure(settings.settleMs, settings.maxWaitMs);
    core.batches.configure(settings.batchWindowMs);
    core.queue.setConcurrency(settings.concurrency);
    await this.watchers?.set(this.useFolders(settings));
    this.queueSummary();
  }

  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  /** The roots of these settings, absolute; folder settings are looked up here from now on. */
  private useFolders(settings: Settings): WatchedRoot[] {
    const roots = resolveRoots(settings.folders, this.options.configDir);
    this.folders = new Map(roots.map((r) => [r.root, r.folder]));
    return roots;
  }

  private makeClient(): ConcurClient {
    return createConcurClient({
      baseUrl: this.settings.concur.baseUrl,
      authScheme: this.settings.concur.authScheme,
      getToken: () => this.controls?.token() ?? this.options.getToken(),
      timeouts: this.options.timeouts,
    });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.ops++;
    return work.finally(() => {
      this.ops--;
      this.checkIdle();
    });
  }

  private announce(job: Job): void {
    this.emit('job', job);
    this.queueSummary();
    this.checkIdle();
  }

  private emitRoot(event: 'root-unavailable' | 'root-available', args: string[]): void {
    if (event === 'root-unavailable') this.emit(event, args[0], args[1]);
    else this.emit(event, args[0]);
    this.queueSummary();
  }

  /** Many job changes in one tick make one summary event. */
  private queueSummary(): void {
    if (this.summaryQueued) return;
    this.summaryQueued = true;
    queueMicrotask(() => {
      this.summaryQueued = false;
      if (this.core) this.emit('summary', this.summary());
    });
  }

  private checkIdle(): void {
    if (this.idleCheckQueued || !this.idleWaiters.length) return;
    this.idleCheckQueued = true;
    setImmediate(() => {
      this.idleCheckQueued = false;
      if (!this.isIdle()) return;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  private isIdle(): boolean {
    const core = this.core;
    if (!core) return true;
    if (this.ops > 0 || core.queue.running > 0 || !this.watchers?.settled()) return false;
    // A job in a folder that cannot be reached waits for it like a paused one: settled for now.
    const away = new Set(this.watchers.unavailableRoots());
    for (const job of core.book.live.values()) {
      if (away.has(job.root) && !core.readiness.has(job.id)) continue;
      if (job.state === 'waiting' || job.state === 'queued' || job.state === 'uploading')
        return false;
    }
    return true;
  }
}

/** Builds an engine; call start() to begin watching. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}
