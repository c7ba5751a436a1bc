import { join, sep } from 'node:path';
import { isFinal, type JobBook } from './job-book.js';
import type { Logger } from './log/logger.js';
import type { Clock } from './ports.js';
import { isIgnoredPath, routeFile } from './routing/route.js';
import type { Intake } from './stages/intake.js';
import { stillItsFile } from './stages/intake.js';
import type { WatchedRoot } from './roots.js';
import type { FolderSettings } from './settings/schema.js';
import { RootWatcher, type RootWatcherEventMap, type RootWatcherOptions } from './watch/watcher.js';
import type { OwnRemovals } from './watch/own-removals.js';
import type { EventEmitter } from 'node:events';
import { fixedMessage, msg, type Message } from './i18n/translate.js';

/** One watched root as the engine uses it: the RootWatcher, or the simulator's in-memory one. */
export interface WatchSource extends EventEmitter<RootWatcherEventMap> {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly available: boolean;
  readonly ready: boolean;
  readonly pending: number;
}

/** Makes the watcher of one root; default a RootWatcher on the real file system. */
export type WatchFactory = (root: string, options: RootWatcherOptions) => WatchSource;

const realWatcher: WatchFactory = (root, options) => new RootWatcher(root, options);

/**
 * The set of RootWatchers for the configured folders: re-armed when settings
 * change (added roots start with a catch-up scan, removed ones stop; the queue
 * is kept), and the bridge from watcher events to Intake and engine events.
 */

interface Armed {
  watcher: WatchSource;
  folder: FolderSettings;
}

/** What the watchers read of the engine. */
export interface WatchersContext {
  readonly book: JobBook;
  readonly clock: Clock;
  readonly log: Logger;
  /** The data dir and config file: never scans, should someone put them inside a watched root. */
  readonly ownPaths: readonly string[];
  settleMs(): number;
  folderFor(root: string): FolderSettings | undefined;
  notice(level: 'info' | 'warn' | 'error', message: string | Message, path?: string): void;
  /** A root stopped being watched: its waiting jobs leave memory (they stay in the ledger). */
  forgetRoot(root: string): void;
  /** Scans finishing takes out of the roots, whose removal events need no look. */
  readonly removals: OwnRemovals;
}

export interface WatchersHooks {
  /** How often a missing root is looked for again. */
  recheckMs?: number;
  /** How often each root is listed again to catch files no event reported; 0: never. */
  rescanMs?: number;
  /** For tests: watcher events of these paths are dropped, as if the OS never sent them. */
  missEventsForTests?: (root: string, relPath: string) => boolean;
  /** The simulator's in-memory watchers; default RootWatcher. */
  watch?: WatchFactory;
  emit: (event: 'root-unavailable' | 'root-available', ...args: string[]) => void;
  /** Something that matters to whenIdle() changed. */
  changed: () => void;
}

export class Watchers {
  private readonly armed = new Map<string, Armed>();

  constructor(
    private readonly core: WatchersContext,
    private readonly intake: Intake,
    private readonly hooks: WatchersHooks,
  ) {}

  rootPaths(): string[] {
    return [...this.armed.keys()];
  }

  unavailableRoots(): string[] {
    return [...this.armed.entries()].filter(([, a]) => !a.watcher.available).map(([root]) => root);
  }

  /** Every initial scan is done and no event is half-handled. */
  settled(): boolean {
    return [...this.armed.values()].every((a) => a.watcher.ready && a.watcher.pending === 0);
  }

  /** Watches exactly these roots: starts new ones, stops removed ones, re-arms one whose polling changed. */
  async set(roots: WatchedRoot[]): Promise<void> {
    const wanted = new Map(roots.map((r) => [r.root, r.folder]));
    for (const [root, armed] of [...this.armed]) {
      const folder = wanted.get(root);
      if (!folder || folder.polling !== armed.folder.polling) await this.remove(root, !folder);
      else armed.folder = folder;
    }
    const starting: Promise<void>[] = [];
    for (const [root, folder] of wanted) {
      if (this.armed.has(root)) continue;
      const watcher = this.create(root, folder);
      this.armed.set(root, { watcher, folder });
      starting.push(watcher.start());
    }
    await Promise.all(starting);
    this.hooks.changed();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.armed.values()].map((a) => a.watcher.close()));
    this.armed.clear();
  }

  private create(root: string, folder: FolderSettings): WatchSource {
    const { core, intake, hooks } = this;
    const watcher = (hooks.watch ?? realWatcher)(root, {
      polling: folder.polling,
      clock: core.clock,
      // A data dir or config file inside a root would otherwise be "uploaded" and moved away.
      isIgnored: (rel) => isIgnoredPath(rel) || isOwnPath(join(root, rel), core.ownPaths),
      recheckMs: hooks.recheckMs,
      rescanMs: hooks.rescanMs,
      newDirRelistMs: () => core.settleMs(),
      isKnown: (rel, st) => this.isKnown(root, rel, st),
      removedByEngine: (rel) => core.removals.take(root, rel),
      ...(hooks.missEventsForTests && {
        missEventsForTests: (rel: string) => hooks.missEventsForTests!(root, rel),
      }),
    });
    watcher.on('file', (rel) => intake.onFile(root, rel));
    watcher.on('missed', (rel) => {
      core.log.info('found a file no watcher event had reported', { root, path: rel });
      intake.onFile(root, rel, { missed: true });
    });
    watcher.on('unlink', (rel) => intake.onUnlink(root, rel));
    watcher.on('not-a-file', (rel, reason) => {
      core.notice('warn', `Skipped "${rel}" in ${root}: it is ${reason}.`, `${root}/${rel}`);
    });
    // Links, names that are not text, unreadable files: a failed job says so, in the status too.
    watcher.on('problem', (rel, code, reason) => {
      if (code !== 'not-a-file') intake.onProblem(root, rel, code, reason);
    });
    watcher.on('unavailable', (reason) => {
      core.notice('warn', msg('notice.unavailable', { root, reason: fixedMessage(reason) }), root);
      hooks.emit('root-unavailable', root, reason);
      hooks.changed();
    });
    watcher.on('available', () => {
      core.notice('info', msg('notice.available', { root }), root);
      hooks.emit('root-available', root);
      intake.onRootBack(root);
    });
    watcher.on('error', (error) => core.log.warn('watcher error', { root, error }));
    watcher.on('ready', () => hooks.changed());
    watcher.on('quiet', () => hooks.changed());
    return watcher;
  }

  /**
   * A file found by re-listing needs nothing when a job has it now, when this folder's routes
   * ignore it, or when its last job finished with it left in place unchanged (kept after
   * upload, failed-retryable). Anything else goes to Intake, which decides as for any event.
   */
  private isKnown(root: string, rel: string, st: { size: number; mtimeMs: number }): boolean {
    const { book } = this.core;
    if (book.atPath(root, rel)) return true;
    const folder = this.core.folderFor(root);
    if (!folder || routeFile(rel, folder).kind === 'ignore') return true;
    const last = book.lastAtPath(root, rel);
    return (
      !!last &&
      isFinal(last.state) &&
      last.size === st.size &&
      last.mtimeMs === st.mtimeMs &&
      stillItsFile(last)
    );
  }

  /** Stops watching a root; its unfinished jobs stay in the ledger and resume if it comes back. */
  private async remove(root: string, forgetJobs: boolean): Promise<void> {
    const armed = this.armed.get(root);
    this.armed.delete(root);
    await armed?.watcher.close();
    if (forgetJobs) this.core.forgetRoot(root);
  }
}

function isOwnPath(path: string, own: readonly string[]): boolean {
  return own.some((p) => path === p || path.startsWith(p + sep));
}
