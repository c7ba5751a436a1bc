import { targetKey } from './routing/route.js';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { assembleParts, type Parts } from './assemble.js';
import { createConcurClient, type ConcurClient } from './concur/concur-client.js';
import type { ProxyResolver } from './network/proxy-choice.js';
import { transportForSettings, type HostPoster, type Transport } from './network/transport.js';
import type { EngineJob } from './job-book.js';
import { Ledger, ledgerDir } from './ledger/ledger.js';
import { createLogger } from './log/logger.js';
import { systemClock, type AccessTokens, type Clock } from './ports.js';
import type { FileSystem } from './ports/file-system.js';
import { nodeFileSystem } from './ports/node-file-system.js';
import { DEFAULT_RETRY, type RetryPolicy } from './queue/backoff.js';
import { resolveRoots, type WatchedRoot } from './roots.js';
import { accountOfFolder, accountsOf, findAccount } from './settings/accounts.js';
import type { FolderSettings, Settings } from './settings/schema.js';
import type { Preparer } from './stages/preparing.js';
import type { Merger } from './stages/collecting.js';
import { buildSummary, emptyCounts, startOfLocalDay } from './summary.js';
import type { EngineApi, EngineEventMap, Job, JobFilter, Summary } from './types.js';
import type { WatchFactory } from './watchers.js';

/**
 * The watch-and-upload engine (docs/architecture.md): plain Node, built from
 * ports, emitting typed events. A job's life is one lifecycle
 * (lifecycle/reduce.ts) written by one runner (lifecycle/runner.ts); the
 * stages in stages/ carry out its effects: intake → inspection → collecting →
 * sending → finishing, with holds for pauses and Retry.
 */

export interface EngineOptions {
  settings: Settings;
  /** Ledger in <dataDir>/ledger, merge staging in <dataDir>/staging (never inside a watched folder). */
  dataDir: string;
  getToken: () => Promise<string | null>;
  /**
   * OAuth2 tokens that renew themselves (docs/architecture.md#signing-in-to-concur): the
   * client asks them for each upload (Bearer), and calls go to the account's geolocation.
   * getToken then only tells a sign-in hold whether a new token has come.
   */
  tokens?: AccessTokens;
  /**
   * Several accounts (settings.accounts): each one's token source; an account it
   * does not know (or a host without it) uses getToken and tokens above.
   */
  accountAuth?: (
    account: string,
  ) => { getToken: () => Promise<string | null>; tokens?: AccessTokens } | undefined;
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
  /** For tests only: watcher events of these files are dropped, as if the OS never sent them. */
  missEventsForTests?: (root: string, relPath: string) => boolean;
  /** While uploads wait for sign-in, how often the token source is asked whether the token changed; default 30000. */
  tokenRecheckMs?: number;
  /** The file system (the simulator passes its in-memory office); default node:fs. */
  fs?: FileSystem;
  /** The desktop's proxy resolution per URL (PAC, OS settings); without it, HTTPS_PROXY/NO_PROXY. */
  resolveProxy?: ProxyResolver;
  /** The desktop's own network stack, for proxies that ask for Windows login (NTLM, Kerberos). */
  hostPoster?: HostPoster;
  /** The Concur client (the simulator passes its own); default the HTTP client for settings.concur. */
  client?: ConcurClient;
  /** How a batch becomes one PDF; default pdf-lib. */
  merge?: Merger;
  /** How a file is converted, shrunk or split; default a worker thread (off with a custom `fs`). */
  prepare?: Preparer;
  /** How often the data dir is looked at for Retry requests of the CLI; default 2000. */
  requestsMs?: number;
  /** Finished jobs kept whole in memory (and listed); older ones keep only their indexes. Default 1000. */
  historyKept?: number;
  /** The simulator's ledger (over its in-memory journal); default the ledger in `<dataDir>/ledger`. */
  openLedger?: () => Promise<Ledger>;
  /** The simulator's in-memory watchers; default one RootWatcher per root. */
  watch?: WatchFactory;
  /** New job and batch ids; the simulator makes them from its seed so a run replays. Default randomUUID. */
  newId?: () => string;
  /** Backoff jitter, a number in [0, 1); the simulator seeds it so a run replays. Default Math.random. */
  random?: () => number;
}

const log = createLogger('engine');

export class Engine extends EventEmitter<EngineEventMap> implements EngineApi {
  private parts: Parts | null = null;
  private stopping = false;
  private ops = 0;
  private idleWaiters: (() => void)[] = [];
  private idleCheckQueued = false;
  private summaryQueued = false;
  private settings: Settings;
  private folders = new Map<string, FolderSettings>();
  /** One Concur client per account, made when first needed. */
  private clients = new Map<string, ConcurClient>();
  /** Every client's way out; their kept-alive connections are closed when the engine stops. */
  private transports: Transport[] = [];
  private readonly clock: Clock;
  private readonly fs: FileSystem;
  private readonly retryPolicy: RetryPolicy;

  constructor(private readonly options: EngineOptions) {
    super();
    this.settings = options.settings;
    this.clock = options.clock ?? systemClock;
    this.fs = options.fs ?? nodeFileSystem;
    this.retryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  }

  async start(): Promise<void> {
    if (this.parts) return;
    this.stopping = false;
    const { dataDir } = this.options;
    const ledger = await (this.options.openLedger?.() ??
      Ledger.open(ledgerDir(dataDir), {
        now: () => this.clock.now(),
        keepFinished: this.options.historyKept,
      }));
    try {
      // Merged PDFs of the last run are rebuilt from their files: a half-written one must not be sent.
      await this.clearStaging();
      this.parts = this.assemble(ledger);
      await this.resumeJobs(this.parts);
    } catch (error) {
      await this.parts?.watchers.closeAll();
      await ledger.close();
      this.parts = null;
      throw error;
    }
  }

  private async clearStaging(): Promise<void> {
    const staging = join(this.options.dataDir, 'staging');
    await this.fs.mkdir(staging);
    for (const entry of await this.fs.list(staging))
      await this.fs.remove(join(staging, entry.name));
  }

  /** Builds the stages (assemble.ts), handing them what they need of the engine. */
  private assemble(ledger: Ledger): Parts {
    const isStopping = () => this.stopping;
    return assembleParts(ledger, this.options, {
      clock: this.clock,
      fs: this.fs,
      retry: this.retryPolicy,
      log,
      settings: () => this.settings,
      client: (account) => this.clientFor(account),
      folderFor: (root) => this.folders.get(root),
      accountOf: (root) => accountOfFolder(this.settings, this.folders.get(root)),
      get stopping() {
        return isStopping();
      },
      track: (work) => this.track(work),
      announce: (job) => this.announce(job),
      // The event map's typing does not carry through a generic forwarder; the host's signature does.
      emit: (event, ...args) =>
        void (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      diskTrouble: (error) => this.diskTrouble(error),
      diskRecovered: () => this.parts?.holds.release('disk-full'),
      summaryChanged: () => this.queueSummary(),
      idleChanged: () => this.checkIdle(),
      emitRoot: (event, args) => this.emitRoot(event, args),
      retryJob: (id) => this.retry(id),
      sendWithout: (id) => this.sendWithout(id),
    });
  }

  /** What the last run left unfinished resumes before new files are looked at (docs/architecture.md#the-ledger). */
  private async resumeJobs(parts: Parts): Promise<void> {
    const folders = this.useFolders(this.settings);
    // Not awaited: on a full data disk these writes wait for space, and the engine must be
    // running meanwhile to say so. Recovery enters each job's mailbox now, ahead of file events.
    const resume = (work: Promise<unknown>) =>
      void this.track(work).catch((error: unknown) =>
        log.error('an unfinished job could not be resumed', { error }),
      );
    for (const job of parts.book.unfinished()) {
      if (!this.folders.has(job.root)) {
        log.info('left an unfinished job of a folder no longer watched', { path: job.relPath });
      } else if (job.state === 'failed' && job.error?.retryable && job.disposition === 'kept') {
        // It failed only because Concur could not be reached (or the file read): a fresh chance.
        // Its path is taken before the watchers start: its file is this job's, not a new one.
        const plan = await parts.holds.retryPlan(job.id);
        if (plan) resume(parts.holds.retryAs(plan));
      } else {
        resume(
          parts.runner.dispatch(job, {
            type: 'recovered',
            batchMayHaveLanded: parts.book.batchMayHaveLanded(job),
          }),
        );
      }
    }
    await parts.watchers.set(folders);
    parts.requests.start();
    this.queueSummary();
    this.checkIdle();
  }

  private diskTrouble(error: unknown): void {
    log.error('the ledger cannot be written', { error });
    this.parts?.holds.hold(
      'disk-full',
      `Concur Drop cannot write to its data folder ${this.options.dataDir} (the disk is full or read-only). Uploads wait until space is freed.`,
    );
    this.checkIdle();
  }

  async stop(): Promise<void> {
    const parts = this.parts;
    if (!parts || this.stopping) return;
    this.stopping = true;
    parts.requests.stop();
    parts.holds.stop();
    await parts.watchers.closeAll();
    parts.inspection.stop();
    parts.preparing.stop();
    parts.collecting.stop();
    parts.finishing.stop();
    parts.sending.stop();
    // Let in-flight work finish writing what it was writing; uploads return without new states.
    const deadline = Date.now() + 10_000;
    while ((this.ops > 0 || parts.sending.busy > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await parts.ledger.close();
    this.parts = null;
    this.clients.clear();
    // In-flight work has drained above: nothing is cut by closing the connections now.
    for (const transport of this.transports.splice(0)) transport.close();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  jobs(filter: JobFilter = 'all', limit = 200): Job[] {
    const book = this.parts?.book;
    if (!book) return [];
    if (filter === 'active')
      return book.inStates(['waiting', 'queued', 'uploading', 'paused'], limit);
    if (filter === 'failed') return book.inStates(['failed'], limit);
    return book.all(limit);
  }

  job(id: string): Job | undefined {
    return this.parts?.book.get(id);
  }

  summary(): Summary {
    const parts = this.parts;
    return buildSummary({
      counts: parts?.book.counts() ?? emptyCounts(),
      uploadedToday: parts?.book.uploadedSince(startOfLocalDay(this.clock.now())) ?? 0,
      pausedBy: parts?.holds.pausedBy() ?? null,
      signInNeeded: this.settings.accounts.length ? (parts?.holds.signInNeeded() ?? []) : undefined,
      unavailableRoots: parts?.watchers.unavailableRoots() ?? [],
      roots: parts?.watchers.rootPaths() ?? [],
    });
  }

  async retry(jobId: string): Promise<boolean> {
    if (!this.parts) return false;
    return this.track(this.parts.holds.retry(jobId));
  }

  /** Retries the failures another try can mend (Concur unreachable, a file that could not be read). */
  async retryAllFailed(): Promise<number> {
    if (!this.parts) return 0;
    let n = 0;
    for (const job of this.parts.book.inStates(['failed']))
      if (job.error?.retryable && (await this.retry(job.id))) n++;
    return n;
  }

  /** "Upload without it": the entry's or invoice's other files, waiting for this failed one, go now. */
  async sendWithout(jobId: string): Promise<boolean> {
    if (!this.parts) return false;
    return this.track(this.parts.collecting.sendWithout(jobId));
  }

  pause(): void {
    this.parts?.holds.hold('user', 'Uploads paused.');
  }

  resume(): void {
    this.parts?.holds.release('user');
  }

  /** The token (of one account, or of all) was set or replaced: its sign-in hold lifts. */
  tokenChanged(account?: string): void {
    this.parts?.holds.release('sign-in', account);
  }

  async updateSettings(settings: Settings): Promise<void> {
    const before = this.settings;
    this.settings = settings;
    const parts = this.parts;
    if (!parts) return;
    if (
      JSON.stringify(accountsOf(settings)) !== JSON.stringify(accountsOf(before)) ||
      settings.concur.authScheme !== before.concur.authScheme ||
      settings.proxy !== before.proxy ||
      settings.caFile !== before.caFile
    )
      // The old clients' uploads in flight finish on their connections; new ones use the new settings.
      this.clients.clear();
    parts.inspection.readiness.configure(settings.settleMs, settings.maxWaitMs);
    parts.collecting.batches.configure(settings.batchWindowMs);
    parts.sending.setConcurrency(settings.concurrency);
    await parts.watchers.set(this.useFolders(settings));
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

  private clientFor(account: string): ConcurClient {
    let client = this.clients.get(account);
    if (!client) {
      client = this.makeClient(account);
      this.clients.set(account, client);
    }
    return client;
  }

  private makeClient(account: string): ConcurClient {
    if (this.options.client) return this.options.client;
    const concur = findAccount(this.settings, account)?.concur ?? this.settings.concur;
    const auth = this.options.accountAuth?.(account) ?? this.options;
    const tokens = auth.tokens;
    const transport = transportForSettings(this.settings, {
      configDir: this.options.configDir,
      resolveProxy: this.options.resolveProxy,
      hostPoster: this.options.hostPoster,
    });
    this.transports.push(transport);
    return createConcurClient({
      baseUrl: concur.baseUrl,
      authScheme: tokens ? 'Bearer' : concur.authScheme,
      getToken: () => this.parts?.holds.token(account) ?? auth.getToken(),
      tokens: tokens && {
        token: async () => {
          const token = await tokens.token();
          this.parts?.holds.noteToken(token, account);
          return token;
        },
        refused: (token) => tokens.refused(token),
        baseUrl: () => tokens.baseUrl(),
      },
      timeouts: this.options.timeouts,
      transport,
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
    this.parts?.intake.admit();
    this.emit('job', job);
    this.queueSummary();
    this.checkIdle();
  }

  private emitRoot(event: 'root-unavailable' | 'root-available', args: string[]): void {
    if (event === 'root-unavailable') this.emit(event, args[0], args[1]);
    else this.emit(event, args[0]);
    this.queueSummary();
  }

  /** Many job changes in one tick make one summary event; none when no one listens. */
  private queueSummary(): void {
    if (this.summaryQueued || this.listenerCount('summary') === 0) return;
    this.summaryQueued = true;
    queueMicrotask(() => {
      this.summaryQueued = false;
      if (this.parts) this.emit('summary', this.summary());
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

  /** True when `watch --once` could end now: nothing is on its way that will move by itself. */
  isIdle(): boolean {
    const parts = this.parts;
    if (!parts) return true;
    // A full data disk stops everything until someone frees space: nothing more will happen by itself.
    if (parts.holds.reasons.has('disk-full')) return true;
    if (this.ops > 0 || parts.sending.busy > 0 || parts.finishing.busy > 0) return false;
    if (parts.runner.busy > 0 || parts.intake.waiting > 0 || !parts.watchers.settled())
      return false;
    // A job in a folder that cannot be reached waits for it like a paused one: settled for now.
    for (const job of parts.book.live.values()) {
      if (job.phase === 'unreachable' || job.phase === 'held') continue;
      // Waiting for someone to drop a fixed batch-mate, or to send without it (a copy of one
      // of its files, parked behind it, too).
      if (
        (job.phase === 'collecting' || job.phase === 'parked') &&
        job.target &&
        parts.book.batchHolder(targetKey(job.target))
      )
        continue;
      if (job.state === 'waiting' || job.state === 'queued' || job.state === 'uploading')
        return false;
      if (job.phase === 'done' && job.disposition === undefined) return false;
    }
    return true;
  }
}

/** Builds an engine; call start() to begin watching. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

export type { EngineJob };
