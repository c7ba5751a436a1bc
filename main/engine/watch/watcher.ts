import { EventEmitter } from 'node:events';
import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../ports.js';
import { FolderTree, type TreeSink } from './folder-tree.js';
import { isPermissionError, listFolder } from './list-folder.js';
import { Mailbox } from './mailbox.js';
import { ROOT_UNREADABLE_REASON, type ProblemCode } from './problems.js';

/**
 * Watches one root recursively: one native watch per folder, or, on network
 * shares, a poller that stats folders and lists only those whose time moved.
 * Either way an event costs a look-up of the one name it concerns, never a
 * listing of the whole folder (moving finished files out of a big folder stays
 * cheap). Readiness is ours; links are never followed; what can never be
 * uploaded (links, names that are not text, unreadable places, pipes) is
 * reported as a `problem`. A root that disappears (a deleted folder, an
 * unplugged share) is reported and looked for every few seconds; when it is
 * back it is re-armed, and the fresh initial scan catches up.
 *
 * Native events can be missed (a file copied into a folder the instant it is
 * made), so, as sync clients do, a folder that appears is listed again once
 * shortly after, and the whole root is listed again every `rescanMs`. A
 * regular file found that way which the owner does not know is `missed`.
 */

export interface RootWatcherEventMap {
  /** A regular file appeared or changed; path relative to the root, '/' separated. */
  file: [relPath: string, event: 'add' | 'change'];
  /** Something reported by `file` or `problem` is gone from that path. */
  unlink: [relPath: string];
  /** A regular file found by re-listing that no event had reported (that the owner did not know). */
  missed: [relPath: string];
  /** Something that can never be uploaded as it is; `reason` is for people. */
  problem: [relPath: string, code: ProblemCode, reason: string];
  /** Older form: sent with each `problem`, and for a folder with a scan-like name; read as "it is <reason>". */
  'not-a-file': [relPath: string, reason: string];
  /** The initial scan finished (also after each re-arm). */
  ready: [];
  unavailable: [reason: string];
  available: [];
  error: [error: Error];
  /** No event is being prepared any more (for the engine's idle check). */
  quiet: [];
}

export interface RootWatcherOptions {
  /** Poll instead of native events (network shares); forced on for UNC paths. */
  polling: boolean;
  clock: Clock;
  isIgnored: (relPath: string) => boolean;
  /** How often the root's presence is checked. */
  recheckMs?: number;
  /** How long after a new folder appears it is listed again (read at that moment); default 1000. */
  newDirRelistMs?: () => number;
  /** How often the whole root is listed again; 0 or unset: never. */
  rescanMs?: number;
  /** Whether a file found by re-listing is already known (a job for it, or finished unchanged). */
  isKnown?: (relPath: string, st: { size: number; mtimeMs: number }) => boolean;
  /** Polling: how often folders are looked at; default 1000. */
  pollMs?: number;
  /**
   * Polling: whether the engine is done waiting for this file to be complete. A file is
   * stat'ed every round (to catch writes in place, which do not change its folder's time)
   * until it is settled or has not changed for `recentMs`.
   */
  isSettled?: (relPath: string) => boolean;
  /** Polling: how long after a file last changed it is still stat'ed every round; default 5 min. */
  recentMs?: number;
  /** For tests: add/change events of these paths are dropped, as if the OS never sent them. */
  missEventsForTests?: (relPath: string) => boolean;
  /** Whether an event at this path is the engine's own removal of it (see OwnRemovals). */
  removedByEngine?: (relPath: string) => boolean;
}

/** `\\server\share` (or //server/share): native events do not cross SMB reliably. */
export function isUncPath(path: string): boolean {
  return /^(\\\\|\/\/)[^\\/]+[\\/][^\\/]+/.test(path);
}

/** Polling a share takes at most this share of a core, however many folders it has. */
const POLL_CPU_SHARE = 0.02;
/** However busy the process (its CPU counts whole), a share is looked at this often. */
const MAX_POLL_PAUSE_MS = 30_000;

/** One watched root. */
export class RootWatcher extends EventEmitter<RootWatcherEventMap> {
  private tree: FolderTree | null = null;
  private readonly mailbox = new Mailbox(
    (err) => this.report(err),
    () => {
      if (this.pending === 0) this.emit('quiet');
    },
  );
  private healthTimer: unknown;
  private pollTimer: unknown;
  private rescanTimer: unknown;
  private isAvailable = false;
  private initialScanDone = false;
  private closed = false;
  private reportedUnavailable = false;
  private checking = false;
  private rootUnreadable = false;
  /** dev:ino:birth time of the root folder watched now: a folder deleted and made again is another one. */
  private armedIdentity: string | undefined;
  /** New folders waiting to be listed again, by relative path. */
  private readonly relists = new Map<string, unknown>();

  constructor(
    readonly root: string,
    private readonly options: RootWatcherOptions,
  ) {
    super();
  }

  get available(): boolean {
    return this.isAvailable;
  }

  /** True once the initial scan is done, or the root was found missing. */
  get ready(): boolean {
    return this.initialScanDone;
  }

  /** Look-ups still to do, and new folders not yet listed again. */
  get pending(): number {
    return this.mailbox.size + this.relists.size;
  }

  get polling(): boolean {
    return this.options.polling || isUncPath(this.root);
  }

  /** Arms the watcher; resolves when the initial scan is done or the root is found missing. */
  async start(): Promise<void> {
    await this.arm();
    this.scheduleHealthCheck();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.options.clock.clearTimeout(this.healthTimer);
    this.disarm();
    await this.mailbox.idle();
  }

  /** The root folder's dev:ino:birth time, undefined when it is not there as a folder. */
  private async rootIdentity(): Promise<string | undefined> {
    try {
      const st = await stat(this.root);
      // The birth time too: a folder made again at once often gets the freed inode number back.
      return st.isDirectory() ? `${st.dev}:${st.ino}:${st.birthtimeMs}` : undefined;
    } catch {
      return undefined;
    }
  }

  private async arm(): Promise<void> {
    const identity = await this.rootIdentity();
    if (this.closed) return;
    this.armedIdentity = identity;
    if (identity === undefined) {
      this.initialScanDone = true;
      this.markUnavailable('the folder does not exist or cannot be reached');
      return;
    }
    if (!(await this.rootReadable())) {
      this.initialScanDone = true;
      this.markUnavailable(ROOT_UNREADABLE_REASON);
      return;
    }
    if (this.closed) return;
    this.isAvailable = true;
    if (this.reportedUnavailable) {
      this.reportedUnavailable = false;
      this.emit('available');
    }
    this.rootUnreadable = false;
    const tree: FolderTree = new FolderTree(
      this.root,
      {
        native: !this.polling,
        clock: this.options.clock,
        isIgnored: this.options.isIgnored,
        isSettled: this.options.isSettled,
        hotMs: this.options.recentMs ?? 5 * 60_000,
        missEvents: this.options.missEventsForTests,
        removedByEngine: this.options.removedByEngine,
      },
      this.sinkFor((): boolean => this.tree === tree),
      this.mailbox,
    );
    this.tree = tree;
    await tree.start();
    if (this.tree !== tree) return;
    if (this.rootUnreadable) {
      // Lost its permission between the check and the listing: as if it were not there.
      this.disarm();
      this.markUnavailable(ROOT_UNREADABLE_REASON);
      this.initialScanDone = true;
      return;
    }
    this.initialScanDone = true;
    this.emit('ready');
    this.scheduleRescan(tree);
    if (this.polling) this.schedulePoll(tree);
  }

  private async rootReadable(): Promise<boolean> {
    try {
      await (await opendir(this.root)).close();
      return true;
    } catch (err) {
      return !isPermissionError(err);
    }
  }

  /** Passes the tree's findings on while that tree is the armed one. */
  private sinkFor(current: () => boolean): TreeSink {
    return {
      file: (rel, event) => current() && this.emit('file', rel, event),
      unlink: (rel) => current() && this.emit('unlink', rel),
      problem: (rel, code, reason, legacy) => {
        if (!current()) return;
        // The older event first, so an engine that only knows it still tells the user.
        this.emit('not-a-file', rel, legacy);
        this.emit('problem', rel, code, reason);
      },
      notAFile: (rel, reason) => current() && this.emit('not-a-file', rel, reason),
      folderAdded: (rel) => {
        // The initial scan lists everything itself.
        if (current() && this.initialScanDone && this.tree) this.scheduleRelist(rel, this.tree);
      },
      rootMaybeGone: () => {
        if (current()) void this.checkHealth();
      },
      rootUnreadable: () => {
        if (!current()) return;
        this.rootUnreadable = true;
        if (this.initialScanDone) void this.checkHealth();
      },
      error: (err) => current() && this.report(err),
    };
  }

  /** Lists a new folder (and what is under it) once, a moment after it appeared. */
  private scheduleRelist(rel: string, tree: FolderTree): void {
    // mkdir -p a/b/c reports a, a/b and a/b/c: listing a covers the others.
    for (const pending of this.relists.keys()) {
      if (rel === pending || rel.startsWith(pending + '/')) return;
    }
    const delay = this.options.newDirRelistMs?.() ?? 1000;
    const timer = this.options.clock.setTimeout(() => {
      void this.list(rel, tree)
        .catch((err: unknown) => this.report(err))
        .finally(() => {
          this.relists.delete(rel);
          if (this.pending === 0) this.emit('quiet');
        });
    }, delay);
    this.relists.set(rel, timer);
  }

  /** The periodic reconciliation: one listing at a time, the next `rescanMs` after the last ended. */
  private scheduleRescan(tree: FolderTree): void {
    const every = this.options.rescanMs ?? 0;
    this.options.clock.clearTimeout(this.rescanTimer);
    if (!(every > 0) || this.closed || this.tree !== tree) return;
    this.rescanTimer = this.options.clock.setTimeout(() => {
      void this.list('', tree)
        .catch((err: unknown) => this.report(err))
        .finally(() => this.scheduleRescan(tree));
    }, every);
  }

  /**
   * One polling round at a time, the next `pollMs` after the last ended, or later when a
   * round costs much (thousands of folders): the pause is at least 1/POLL_CPU_SHARE times
   * the CPU the round took, so polling stays within that share of a core.
   */
  private schedulePoll(tree: FolderTree, roundCpuMs = 0): void {
    this.options.clock.clearTimeout(this.pollTimer);
    if (this.closed || this.tree !== tree) return;
    const pause = Math.min(
      Math.max(this.options.pollMs ?? 1000, roundCpuMs / POLL_CPU_SHARE),
      MAX_POLL_PAUSE_MS,
    );
    this.pollTimer = this.options.clock.setTimeout(() => {
      const before = process.cpuUsage();
      void tree
        .poll()
        .catch((err: unknown) => this.report(err))
        .finally(() => {
          const used = process.cpuUsage(before);
          this.schedulePoll(tree, (used.user + used.system) / 1000);
        });
    }, pause);
  }

  /**
   * Walks `relDir` (the root: '') folder by folder, yielding between folders, and reports
   * each regular file the owner does not know as `missed`. Ignored paths are not entered;
   * links are not followed. Stops when the tree is replaced.
   */
  private async list(relDir: string, tree: FolderTree): Promise<void> {
    const stack = [relDir];
    while (stack.length) {
      if (this.closed || this.tree !== tree) return;
      const rel = stack.pop()!;
      let entries;
      try {
        entries = await listFolder(rel ? join(this.root, ...rel.split('/')) : this.root);
      } catch {
        continue; // gone again, or not readable: the tree reports it
      }
      for (const entry of entries) {
        if (entry.badName) continue;
        const childRel = rel ? `${rel}/${entry.name}` : entry.name;
        if (this.options.isIgnored(childRel)) continue;
        if (entry.kind === 'folder') stack.push(childRel);
        else if (entry.kind === 'file') this.postFound(childRel, tree);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** After any look-up of this path still waiting, so the owner sees events in order. */
  private postFound(rel: string, tree: FolderTree): void {
    this.mailbox.post(`${tree.id}m:${rel}`, async () => {
      let st;
      try {
        st = await stat(join(this.root, ...rel.split('/')));
      } catch {
        return;
      }
      if (!st.isFile() || this.closed || this.tree !== tree) return;
      tree.adopt(rel, st);
      if (this.options.isKnown?.(rel, st)) return;
      this.emit('missed', rel);
    });
  }

  /** Passes a problem on; without a listener it is dropped rather than thrown (EventEmitter's 'error' rule). */
  private report(err: unknown): void {
    if (this.listenerCount('error'))
      this.emit('error', err instanceof Error ? err : new Error(String(err)));
  }

  private markUnavailable(reason: string): void {
    this.isAvailable = false;
    if (this.reportedUnavailable) return;
    this.reportedUnavailable = true;
    this.emit('unavailable', reason);
  }

  private scheduleHealthCheck(): void {
    if (this.closed) return;
    this.options.clock.clearTimeout(this.healthTimer);
    this.healthTimer = this.options.clock.setTimeout(() => {
      void this.checkHealth().finally(() => this.scheduleHealthCheck());
    }, this.options.recheckMs ?? 5000);
  }

  /** Stops watching; look-ups already queued find no tree and do nothing. */
  private disarm(): void {
    const tree = this.tree;
    this.tree = null;
    this.options.clock.clearTimeout(this.rescanTimer);
    this.options.clock.clearTimeout(this.pollTimer);
    for (const timer of this.relists.values()) this.options.clock.clearTimeout(timer);
    this.relists.clear();
    this.mailbox.clear();
    tree?.close();
  }

  /** Notices a vanished root at once (its own event, errors) and a returned one on the timer. */
  private async checkHealth(): Promise<void> {
    if (this.closed || this.checking) return;
    this.checking = true;
    try {
      const identity = await this.rootIdentity();
      const there = identity !== undefined;
      if (this.closed) return;
      if (!there && this.tree) {
        this.disarm();
        this.markUnavailable('the folder was removed or the share was disconnected');
      } else if (there && this.tree && !(await this.rootReadable())) {
        // Its permissions were taken away: nothing in it can be seen any more.
        this.disarm();
        this.markUnavailable(ROOT_UNREADABLE_REASON);
      } else if (there && !this.tree) {
        await this.arm();
      } else if (there && this.tree && identity !== this.armedIdentity) {
        // Deleted and made again between two checks: the native watch still points at the
        // deleted folder and would never report anything again. Re-arm; its scan catches up.
        this.disarm();
        await this.arm();
      }
    } finally {
      this.checking = false;
    }
  }
}
