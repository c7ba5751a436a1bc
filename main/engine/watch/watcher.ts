import { EventEmitter } from 'node:events';
import type { Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Clock } from '../ports.js';

/**
 * Watches one root recursively with chokidar. Readiness is ours (no
 * awaitWriteFinish); symlinks are not followed, so a link loop cannot hang the
 * scan; things that are not regular files are reported, never handed on as
 * scans. A root that disappears (a deleted folder, an unplugged share) is
 * reported and looked for every few seconds; when it is back it is re-armed,
 * and the fresh initial scan catches up on what landed meanwhile.
 *
 * Native events can be missed (a file copied into a folder the instant it is
 * made, before its watch exists). So, as sync clients do, a folder that
 * appears is listed again once shortly after, and the whole root is listed
 * again every `rescanMs` (readdir + stat, one folder at a time, no hashing).
 * A regular file found that way which the owner does not know is reported as
 * `missed`.
 */

export interface RootWatcherEventMap {
  /** A regular file appeared or changed; path relative to the root, '/' separated. */
  file: [relPath: string, event: 'add' | 'change'];
  unlink: [relPath: string];
  /** A regular file found by re-listing that no event had reported (that the owner did not know). */
  missed: [relPath: string];
  /** Something with a scan-like name that is not a regular file (FIFO, folder, link loop). */
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
  isKnown?: (relPath: string, st: Stats) => boolean;
  /** For tests: add/change events of these paths are dropped, as if the OS never sent them. */
  missEventsForTests?: (relPath: string) => boolean;
}

/** `\\server\share` (or //server/share): native events do not cross SMB reliably. */
export function isUncPath(path: string): boolean {
  return /^(\\\\|\/\/)[^\\/]+[\\/][^\\/]+/.test(path);
}

const SCAN_LIKE = /\.(pdf|jpe?g|png|gif|tiff?|heic)$/i;

/** One watched root. */
export class RootWatcher extends EventEmitter<RootWatcherEventMap> {
  private fsw: FSWatcher | null = null;
  private healthTimer: unknown;
  private isAvailable = false;
  private initialScanDone = false;
  private closed = false;
  private readonly chains = new Map<string, Promise<void>>();
  private reportedUnavailable = false;
  private checking = false;
  private endScan: (() => void) | undefined;
  /** dev:ino:birth time of the root folder watched now: a folder deleted and made again is another one. */
  private armedIdentity: string | undefined;
  /** New folders waiting to be listed again, by relative path. */
  private readonly relists = new Map<string, unknown>();
  private rescanTimer: unknown;

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

  /** Events still being prepared (a stat per add), and new folders not yet listed again. */
  get pending(): number {
    return this.chains.size + this.relists.size;
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
    await this.disarm();
  }

  private relPath(absPath: string): string {
    return relative(this.root, absPath).split(sep).join('/');
  }

  private async rootIsThere(): Promise<boolean> {
    return (await this.rootIdentity()) !== undefined;
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
    const there = identity !== undefined;
    if (this.closed) return;
    this.armedIdentity = identity;
    if (!there) {
      this.initialScanDone = true;
      this.markUnavailable('the folder does not exist or cannot be reached');
      return;
    }
    this.isAvailable = true;
    if (this.reportedUnavailable) {
      this.reportedUnavailable = false;
      this.emit('available');
    }
    const polling = this.polling;
    const fsw = watch(this.root, {
      ignoreInitial: false,
      followSymlinks: false,
      awaitWriteFinish: false,
      usePolling: polling,
      // Shares: a stat per file per interval; 1 s keeps 50,000 files cheap while staying well under settleMs.
      interval: polling ? 1000 : 100,
      binaryInterval: polling ? 1000 : 300,
      ignorePermissionErrors: true,
      ignored: (path: string) => {
        const rel = this.relPath(path);
        return rel !== '' && this.options.isIgnored(rel);
      },
    });
    this.fsw = fsw;
    fsw.on('error', (err) => {
      this.report(err);
      void this.checkHealth();
    });
    /** This instance's own initial scan is done (a re-arm scans again). */
    let scanned = false;
    const missed = this.options.missEventsForTests;
    fsw.on('add', (path) => {
      if (missed?.(this.relPath(path))) return;
      this.serialize(path, () => this.onAdd(path, 'add'));
    });
    fsw.on('change', (path) => {
      if (missed?.(this.relPath(path))) return;
      this.serialize(path, () => this.onAdd(path, 'change'));
    });
    fsw.on('unlink', (path) =>
      this.serialize(path, async () => {
        this.emit('unlink', this.relPath(path));
      }),
    );
    fsw.on('addDir', (path) => {
      const rel = this.relPath(path);
      if (rel && SCAN_LIKE.test(basename(path)))
        this.emit(
          'not-a-file',
          rel,
          'a folder, not a file (the files inside it are still watched)',
        );
      // The initial scan lists everything itself; a folder made later may have been filled
      // before its native watch existed.
      if (rel && scanned && this.fsw === fsw) this.scheduleRelist(rel, fsw);
    });
    fsw.on('unlinkDir', (path) => {
      if (this.relPath(path) === '') void this.checkHealth();
    });
    await new Promise<void>((resolve) => {
      this.endScan = resolve;
      fsw.once('ready', () => resolve());
    });
    this.endScan = undefined;
    scanned = true;
    this.initialScanDone = true;
    if (this.fsw === fsw) {
      this.emit('ready');
      this.scheduleRescan(fsw);
    }
  }

  /** Lists a new folder (and what is under it) once, a moment after it appeared. */
  private scheduleRelist(rel: string, fsw: FSWatcher): void {
    // mkdir -p a/b/c reports a, a/b and a/b/c: listing a covers the others.
    for (const pending of this.relists.keys()) {
      if (rel === pending || rel.startsWith(pending + '/')) return;
    }
    const delay = this.options.newDirRelistMs?.() ?? 1000;
    const timer = this.options.clock.setTimeout(() => {
      void this.list(rel, fsw)
        .catch((err: unknown) => this.report(err))
        .finally(() => {
          this.relists.delete(rel);
          if (this.pending === 0) this.emit('quiet');
        });
    }, delay);
    this.relists.set(rel, timer);
  }

  /** The periodic reconciliation: one listing at a time, the next `rescanMs` after the last ended. */
  private scheduleRescan(fsw: FSWatcher): void {
    const every = this.options.rescanMs ?? 0;
    this.options.clock.clearTimeout(this.rescanTimer);
    if (!(every > 0) || this.closed || this.fsw !== fsw) return;
    this.rescanTimer = this.options.clock.setTimeout(() => {
      void this.list('', fsw)
        .catch((err: unknown) => this.report(err))
        .finally(() => this.scheduleRescan(fsw));
    }, every);
  }

  /**
   * Walks `relDir` (the root: '') folder by folder, yielding between folders, and reports
   * each regular file the owner does not know as `missed`. Ignored paths are not entered;
   * links are not followed into folders. Stops when this chokidar instance is replaced.
   */
  private async list(relDir: string, fsw: FSWatcher): Promise<void> {
    const stack = [relDir];
    while (stack.length) {
      if (this.closed || this.fsw !== fsw) return;
      const rel = stack.pop()!;
      let entries;
      try {
        entries = await readdir(rel ? join(this.root, ...rel.split('/')) : this.root, {
          withFileTypes: true,
        });
      } catch {
        continue; // gone again, or not readable: its own events say so
      }
      for (const entry of entries) {
        const childRel = rel ? `${rel}/${entry.name}` : entry.name;
        if (this.options.isIgnored(childRel)) continue;
        if (entry.isDirectory()) stack.push(childRel);
        else if (entry.isFile() || entry.isSymbolicLink()) await this.found(childRel, fsw);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async found(rel: string, fsw: FSWatcher): Promise<void> {
    const abs = join(this.root, ...rel.split('/'));
    let st;
    try {
      st = await stat(abs);
    } catch {
      return;
    }
    if (!st.isFile() || this.closed || this.fsw !== fsw) return;
    if (this.options.isKnown?.(rel, st)) return;
    // After any event of this path still being prepared, so the owner sees them in order.
    this.serialize(abs, async () => {
      this.emit('missed', rel);
    });
  }

  /** Passes a problem on; without a listener it is dropped rather than thrown (EventEmitter's 'error' rule). */
  private report(err: unknown): void {
    if (this.listenerCount('error'))
      this.emit('error', err instanceof Error ? err : new Error(String(err)));
  }

  /** Keeps each path's events in order, even though each add needs a stat first. */
  private serialize(absPath: string, step: () => Promise<void>): void {
    const prior = this.chains.get(absPath) ?? Promise.resolve();
    const next = prior.then(step).catch((err: unknown) => this.report(err));
    this.chains.set(absPath, next);
    void next.then(() => {
      if (this.chains.get(absPath) !== next) return;
      this.chains.delete(absPath);
      if (this.chains.size === 0) this.emit('quiet');
    });
  }

  private async onAdd(absPath: string, event: 'add' | 'change'): Promise<void> {
    const rel = this.relPath(absPath);
    let st;
    try {
      st = await lstat(absPath);
      if (st.isSymbolicLink()) st = await stat(absPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') this.emit('not-a-file', rel, 'a symbolic link loop');
      // ENOENT: gone again already; the unlink that follows says so.
      return;
    }
    if (st.isFile()) this.emit('file', rel, event);
    else if (st.isDirectory())
      this.emit('not-a-file', rel, 'a link to a folder (links are not followed)');
    else this.emit('not-a-file', rel, describeNonFile(st));
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

  /** Closes chokidar and lets an arm() still waiting for its initial scan return. */
  private async disarm(): Promise<void> {
    const fsw = this.fsw;
    this.fsw = null;
    this.options.clock.clearTimeout(this.rescanTimer);
    for (const timer of this.relists.values()) this.options.clock.clearTimeout(timer);
    this.relists.clear();
    this.endScan?.();
    await fsw?.close();
  }

  /** Notices a vanished root at once (unlinkDir, errors) and a returned one on the timer. */
  private async checkHealth(): Promise<void> {
    if (this.closed || this.checking) return;
    this.checking = true;
    try {
      const identity = await this.rootIdentity();
      const there = identity !== undefined;
      if (this.closed) return;
      if (!there && this.fsw) {
        await this.disarm();
        this.markUnavailable('the folder was removed or the share was disconnected');
      } else if (there && !this.fsw) {
        await this.arm();
      } else if (there && this.fsw && identity !== this.armedIdentity) {
        // Deleted and made again between two checks: the native watch still points at the
        // deleted folder and would never report anything again. Re-arm; its scan catches up.
        await this.disarm();
        await this.arm();
      }
    } finally {
      this.checking = false;
    }
  }
}

function describeNonFile(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe, not a file';
  if (st.isSocket()) return 'a socket, not a file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device, not a file';
  return 'not a regular file';
}
