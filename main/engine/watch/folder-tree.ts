import { isUtf8 } from 'node:buffer';
import {
  constants,
  lstat as lstatCallback,
  stat as statCallback,
  watch as fsWatch,
  type FSWatcher,
  type Stats,
} from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../ports.js';
import { fsCall } from '../ports/node-file-system.js';
import { Limiter } from '../queue/limiter.js';
import { fileInfo, sameFile, sameKind, type Known } from './known-entry.js';
import { isGoneError, isPermissionError, listFolder } from './list-folder.js';
import type { Mailbox } from './mailbox.js';
import {
  BAD_NAME_REASON,
  describeNonFile,
  LEGACY,
  legacyLinkReason,
  notAFileReason,
  symlinkReason,
  UNREADABLE_FILE_REASON,
  UNREADABLE_FOLDER_REASON,
  type LinkTarget,
  type ProblemCode,
} from './problems.js';

/**
 * What the watcher knows is in a root, folder by folder, and the one place
 * that compares it with the disk. Work is proportional to what changed: a
 * native event looks up the one name it names; a folder is listed again only
 * when it is new, when the OS could not say which name changed, or (polling)
 * when its modification time moved. Links are never followed: lstat first,
 * and a link is reported, not entered.
 */

interface Folder {
  children: Map<string, Known>;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  unreadable: boolean;
  /** Extra listings still due after a change seen by polling (timestamps can be coarse). */
  recheck: number;
  watch?: FSWatcher;
}

export interface TreeSink {
  file(relPath: string, event: 'add' | 'change'): void;
  /** Follows any path once reported by `file` or `problem`. */
  unlink(relPath: string): void;
  /** `legacy` is the wording of the older `not-a-file` event ("it is <legacy>"). */
  problem(relPath: string, code: ProblemCode, reason: string, legacy: string): void;
  /** The older event alone: a folder with a scan-like name (its files are still watched). */
  notAFile(relPath: string, reason: string): void;
  folderAdded(relPath: string): void;
  rootMaybeGone(): void;
  rootUnreadable(): void;
  error(err: unknown): void;
}

export interface TreeOptions {
  /** One fs.watch per folder; otherwise the owner calls poll(). */
  native: boolean;
  clock: Clock;
  isIgnored: (relPath: string) => boolean;
  /** Polling: a file the engine calls settled is no longer looked at every interval. */
  isSettled?: (relPath: string) => boolean;
  /** Polling: how long after its last change a file is still looked at every interval. */
  hotMs: number;
  missEvents?: (relPath: string) => boolean;
  /** Whether an event at this path is the engine's own removal of it (see OwnRemovals). */
  removedByEngine?: (relPath: string) => boolean;
}

let trees = 0;

const SCAN_LIKE = /\.(pdf|jpe?g|png|gif|tiff?|heic)$/i;
/** Look-ups in flight at once while listing: enough to hide a share's latency. */
const PARALLEL = 16;

export class FolderTree {
  /** Keys its look-ups apart from those a replaced tree may still post. */
  readonly id = ++trees;
  private readonly folders = new Map<string, Folder>();
  /** Polling: files that may still change in place, with when they stop being looked at. */
  private readonly hot = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly options: TreeOptions,
    private readonly sink: TreeSink,
    private readonly mailbox: Mailbox,
  ) {}

  /** Watches and lists the root and everything under it; resolves when all is listed. */
  async start(): Promise<void> {
    this.addFolder('');
    await this.mailbox.idle();
  }

  close(): void {
    this.closed = true;
    for (const folder of this.folders.values()) folder.watch?.close();
    this.folders.clear();
    this.hot.clear();
  }

  /** A file found by a full re-listing that no event had reported: known from now on. */
  adopt(relPath: string, st: Stats): void {
    const at = this.lookup(relPath);
    if (!at || at.folder.children.has(at.name)) return;
    at.folder.children.set(at.name, fileInfo(st));
    this.touch(relPath, st.mtimeMs);
  }

  /**
   * One polling round: a stat per folder, a listing only of folders whose
   * modification time moved, and a stat per file that may still be written.
   */
  async poll(): Promise<void> {
    const now = this.options.clock.now();
    await eachLimited([...this.folders], async ([rel, folder]) => {
      const st = await statQuietly(this.abs(rel));
      if (!st) {
        // A vanished sub-folder changed its parent's time too; that listing removes it.
        if (rel === '') this.sink.rootMaybeGone();
        return;
      }
      if (st.mtimeMs !== folder.mtimeMs || st.ctimeMs !== folder.ctimeMs || st.ino !== folder.ino) {
        // Listed twice more on later rounds: a second change within a coarse timestamp
        // (2 s on FAT, some shares) leaves the time as it was.
        folder.recheck = 2;
        this.postList(rel);
      } else if (folder.recheck > 0) {
        folder.recheck--;
        this.postList(rel);
      }
    });
    for (const [rel, until] of this.hot) {
      if (now > until || this.options.isSettled?.(rel)) this.hot.delete(rel);
      else this.postCheck(rel);
    }
    await this.mailbox.idle();
  }

  private abs(rel: string): string {
    return rel ? join(this.root, ...rel.split('/')) : this.root;
  }

  private lookup(rel: string): { folder: Folder; name: string } | undefined {
    const slash = rel.lastIndexOf('/');
    const folder = this.folders.get(slash < 0 ? '' : rel.slice(0, slash));
    return folder && { folder, name: rel.slice(slash + 1) };
  }

  private postList(rel: string): void {
    if (!this.closed) this.mailbox.post(`${this.id}d:${rel}`, () => this.list(rel));
  }

  private postCheck(rel: string): void {
    if (!this.closed) this.mailbox.post(`${this.id}p:${rel}`, () => this.check(rel));
  }

  private addFolder(rel: string): void {
    const folder: Folder = {
      children: new Map(),
      mtimeMs: -1,
      ctimeMs: -1,
      ino: -1,
      unreadable: false,
      recheck: 0,
    };
    this.folders.set(rel, folder);
    // Watched now, listed later: whatever lands after the watch exists is an event, the rest is listed.
    if (this.options.native) this.watch(rel, folder);
    this.postList(rel);
  }

  private watch(rel: string, folder: Folder): void {
    let watcher: FSWatcher;
    try {
      watcher = fsWatch(this.abs(rel), { encoding: 'buffer', persistent: true }, (_type, name) =>
        this.onNative(rel, name),
      );
    } catch (err) {
      // Not readable: the listing says so as a problem. Anything else the log should see.
      if (!isPermissionError(err) && !isGoneError(err)) this.sink.error(err);
      return;
    }
    watcher.on('error', (err) => {
      watcher.close();
      if (folder.watch === watcher) folder.watch = undefined;
      this.sink.error(err);
      if (rel === '') this.sink.rootMaybeGone();
      else this.postCheck(rel);
    });
    folder.watch = watcher;
  }

  private onNative(rel: string, raw: Buffer | null): void {
    if (this.closed) return;
    // No name (the OS's queue overflowed) or one that is not text: list the folder instead.
    if (!raw || !isUtf8(raw)) return this.postList(rel);
    const name = raw.toString('utf8');
    if (rel === '' && name === basenameOf(this.root)) this.sink.rootMaybeGone();
    const child = rel ? `${rel}/${name}` : name;
    if (this.options.isIgnored(child)) return;
    // Known to be gone: a scan the engine moved to Uploaded/ is not looked at again.
    if (this.options.removedByEngine?.(child)) return this.gone(child);
    this.postCheck(child);
  }

  /** Lists one folder and reconciles: new names are looked at, vanished ones reported gone. */
  private async list(rel: string): Promise<void> {
    const folder = this.folders.get(rel);
    if (!folder || this.closed) return;
    const abs = this.abs(rel);
    // Watched before listing (again, if it could not be read before): nothing falls between.
    if (this.options.native && !folder.watch) this.watch(rel, folder);
    let entries;
    try {
      // Its time before the listing: a change during the listing shows on the next round.
      const st = await stat(abs);
      folder.mtimeMs = st.mtimeMs;
      folder.ctimeMs = st.ctimeMs;
      folder.ino = st.ino;
      entries = await listFolder(abs);
    } catch (err) {
      if (this.closed || this.folders.get(rel) !== folder) return;
      if (isPermissionError(err)) {
        if (rel === '') return this.sink.rootUnreadable();
        if (!folder.unreadable) {
          this.sink.problem(rel, 'unreadable', UNREADABLE_FOLDER_REASON, LEGACY.unreadableFolder);
        }
        folder.unreadable = true;
      } else if (rel === '') this.sink.rootMaybeGone();
      // A sub-folder gone: the event or listing of its parent removes it.
      return;
    }
    if (this.closed || this.folders.get(rel) !== folder) return;
    folder.unreadable = false;
    const seen = new Set<string>();
    const toCheck: string[] = [];
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (this.options.isIgnored(child)) continue;
      seen.add(entry.name);
      const known = folder.children.get(entry.name);
      if (entry.badName) {
        if (known?.kind === 'problem' && known.code === 'bad-name') continue;
        folder.children.set(entry.name, { kind: 'problem', code: 'bad-name' });
        this.sink.problem(child, 'bad-name', BAD_NAME_REASON, LEGACY.badName);
      } else if (!known || !sameKind(known, entry.kind)) toCheck.push(child);
    }
    for (const name of [...folder.children.keys()]) {
      if (!seen.has(name)) this.gone(rel ? `${rel}/${name}` : name);
    }
    await eachLimited(toCheck, (child) => this.check(child));
  }

  /** Looks at one path (lstat, never following a link) and reports what changed there. */
  private async check(rel: string): Promise<void> {
    const at = this.lookup(rel);
    if (!at || this.closed) return;
    const abs = this.abs(rel);
    let st: Stats;
    try {
      st = await lstatOf(abs);
    } catch (err) {
      // Not readable here means its folder is not: that folder's listing reports it.
      if (isGoneError(err) && this.lookup(rel)?.folder === at.folder) this.gone(rel);
      return;
    }
    if (this.closed || this.lookup(rel)?.folder !== at.folder) return;
    const { folder: parent, name } = at;
    const known = parent.children.get(name);
    if (st.isSymbolicLink()) {
      const target = await linkTarget(abs);
      return this.setProblem(rel, 'symlink', symlinkReason(target), legacyLinkReason(target));
    }
    if (st.isDirectory()) return this.checkFolder(rel, known);
    if (!st.isFile()) {
      return this.setProblem(rel, 'not-a-file', notAFileReason(st), describeNonFile(st));
    }
    if (this.options.missEvents?.(rel)) return;
    const same = known?.kind === 'file' && sameFile(known, st);
    if (same) return;
    const readable = ownAndReadable(st) || (await isReadable(abs));
    if (this.closed || this.lookup(rel)?.folder !== parent) return;
    if (!readable) {
      this.touch(rel, this.options.clock.now());
      return this.setProblem(rel, 'unreadable', UNREADABLE_FILE_REASON, LEGACY.unreadableFile);
    }
    if (known?.kind === 'folder') this.gone(rel);
    parent.children.set(name, fileInfo(st));
    if (known?.kind === 'file') {
      this.touch(rel, this.options.clock.now());
      this.sink.file(rel, 'change');
    } else {
      this.touch(rel, st.mtimeMs);
      this.sink.file(rel, 'add');
    }
  }

  private checkFolder(rel: string, known: Known | undefined): void {
    const at = this.lookup(rel)!;
    if (known?.kind === 'folder') {
      // Its permissions may have changed (a 'change' event): list it if it could not be.
      const folder = this.folders.get(rel);
      if (folder && (folder.unreadable || (this.options.native && !folder.watch))) {
        this.postList(rel);
      }
      return;
    }
    if (known) this.gone(rel);
    at.folder.children.set(at.name, { kind: 'folder' });
    if (SCAN_LIKE.test(at.name)) {
      this.sink.notAFile(rel, 'a folder, not a file (the files inside it are still watched)');
    }
    this.addFolder(rel);
    this.sink.folderAdded(rel);
  }

  private setProblem(rel: string, code: ProblemCode, reason: string, legacy: string): void {
    const at = this.lookup(rel);
    if (!at) return;
    const known = at.folder.children.get(at.name);
    if (known?.kind === 'problem' && known.code === code) return;
    if (known && known.kind !== 'problem') this.gone(rel);
    at.folder.children.set(at.name, { kind: 'problem', code });
    this.sink.problem(rel, code, reason, legacy);
  }

  /** Forgets a path; a folder takes everything under it along, each file reported gone. */
  private gone(rel: string): void {
    const at = this.lookup(rel);
    const known = at?.folder.children.get(at.name);
    if (!at || !known) return;
    at.folder.children.delete(at.name);
    this.hot.delete(rel);
    if (known.kind !== 'folder') return this.sink.unlink(rel);
    const folder = this.folders.get(rel);
    if (!folder) return;
    for (const name of [...folder.children.keys()]) this.gone(`${rel}/${name}`);
    folder.watch?.close();
    this.folders.delete(rel);
  }

  /** Polling: keeps looking at a file for a while after it last changed. */
  private touch(rel: string, changedAt: number): void {
    if (this.options.native) return;
    const until = changedAt + this.options.hotMs;
    if (until > this.options.clock.now()) this.hot.set(rel, until);
  }
}

/**
 * A file its owner may read by its mode alone: for the owner, the owner's bits
 * decide (an ACL's owner entry is those bits), so access(2) would only say the
 * same again, a system call per file in a backlog. Anything else asks access(2).
 * (A security module that still denies it fails at the open, with its reason.)
 */
const uid = process.platform !== 'win32' ? process.getuid?.() : undefined;
function ownAndReadable(st: Stats): boolean {
  return uid !== undefined && st.uid === uid && (st.mode & 0o400) !== 0;
}

async function isReadable(abs: string): Promise<boolean> {
  try {
    await access(abs, constants.R_OK);
    return true;
  } catch (err) {
    return !isPermissionError(err);
  }
}

async function linkTarget(abs: string): Promise<LinkTarget> {
  try {
    const st = await stat(abs);
    return st.isDirectory() ? 'folder' : st.isFile() ? 'file' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? 'loop' : 'nothing';
  }
}

/** Every file found is looked at: the callback form, a quarter cheaper. */
function lstatOf(abs: string): Promise<Stats> {
  return fsCall<Stats>((cb) => lstatCallback(abs, cb));
}

/** The callback form: a quarter cheaper than the promise one, which counts at 50,000 a minute. */
function statQuietly(abs: string): Promise<Stats | undefined> {
  return new Promise((resolve) => statCallback(abs, (err, st) => resolve(err ? undefined : st)));
}

function basenameOf(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

/** Runs `fn` over `items`, PARALLEL at a time: many small looks, never thousands at once. */
async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  const limiter = new Limiter(PARALLEL);
  await Promise.all(items.map((item) => limiter.run(() => fn(item))));
}
