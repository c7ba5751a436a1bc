import { posix } from 'node:path';
import type {
  DirEntry,
  EntryKind,
  FileStat,
  FileSystem,
  ReadHandle,
} from '../../main/engine/ports/file-system.js';
import { asLife, type Life } from './life.js';

/**
 * An in-memory file system for the simulated office (posix paths). Files have
 * bytes, an mtime from the virtual clock and an id that a rename keeps. The
 * engine reaches it through `view(life)`, a FileSystem whose calls resolve on
 * later microtasks and fail the way Windows desks and shares do when a fault
 * is switched on. The office changes it directly and synchronously.
 *
 * Fault codes, as Node reports them on those systems:
 * - a file the scanner still holds open: open, move and remove fail with the
 *   code given to `hold` (EBUSY or EPERM) until `release`;
 * - `windows`: names differing only in case are one file, and the engine's
 *   paths longer than 260 characters fail ENAMETOOLONG;
 * - a root gone offline (share dropped): every call under it fails ENOENT,
 *   and reads through handles opened before fail EIO, until it is back;
 * - unreadable files (open: EACCES) and folders (list and anything under: EACCES);
 * - a full disk under a prefix (the data dir): writeFile, mkdir and move into it fail ENOSPC;
 * - symbolic links (kind 'link'; open follows them, as the OS does);
 * - names that are not valid UTF-8: list gives them with U+FFFD in place of the
 *   bad bytes, as Node does, and lstat, open, move and remove fail EILSEQ.
 */

/** A change, as a native watcher would report it. Paths are absolute. */
export interface FsEvent {
  /** `offline`/`online`: a share dropped or came back (path: its root). */
  type: 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir' | 'offline' | 'online';
  path: string;
}

interface BaseNode {
  name: string;
  id: number;
  parent: DirNode | null;
  mtimeMs: number;
  unreadable?: boolean;
  badName?: boolean;
}
export interface FileNode extends BaseNode {
  kind: 'file';
  data: Uint8Array;
  held?: 'EBUSY' | 'EPERM';
}
export interface DirNode extends BaseNode {
  kind: 'dir';
  children: Map<string, Node>;
}
export interface LinkNode extends BaseNode {
  kind: 'link';
  target: string;
}
export type Node = FileNode | DirNode | LinkNode;

const MESSAGES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'illegal operation on a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EBUSY: 'resource busy or locked',
  ENOSPC: 'no space left on device',
  ENAMETOOLONG: 'name too long',
  EIO: 'i/o error',
  ELOOP: 'too many symbolic links encountered',
  EILSEQ: 'illegal byte sequence',
};

/** Thrown like Node's errno errors: `code`, `syscall`, `path`. */
export class FsError extends Error {
  constructor(
    readonly code: string,
    readonly syscall: string,
    readonly path: string,
  ) {
    // The engine meets thousands of these per seed and reads only the code: a stack would cost more than the call.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${code}: ${MESSAGES[code] ?? 'error'}, ${syscall} '${path}'`);
    Error.stackTraceLimit = limit;
    this.name = 'FsError';
  }
}

/** Windows' MAX_PATH, which most desktop software still lives under. */
export const WINDOWS_MAX_PATH = 260;

const encoder = new TextEncoder();

export interface MemoryFsOptions {
  clock: { now(): number };
  /** Plays Windows: case-insensitive names and the 260-character path limit. */
  windows?: boolean;
}

export class MemoryFileSystem {
  readonly windows: boolean;
  private readonly clock: { now(): number };
  private readonly rootNode: DirNode;
  private nextId = 1;
  private readonly offline = new Set<string>();
  private readonly full = new Set<string>();
  private readonly listeners = new Set<(event: FsEvent) => void>();
  /** Called with every write the engine makes, for the secret checker. */
  onEngineWrite: ((path: string, data: Uint8Array) => void) | undefined;

  constructor(options: MemoryFsOptions) {
    this.clock = options.clock;
    this.windows = options.windows ?? false;
    this.rootNode = this.newDir('', null);
  }

  /** The engine's FileSystem; calls of an ended life never answer. */
  view(life?: Life): FileSystem {
    return {
      lstat: (p) => asLife(life, () => this.engineLstat(p)),
      open: (p) => asLife(life, () => this.engineOpen(p, life)),
      list: (p) => asLife(life, () => this.engineList(p)),
      move: (from, to) => asLife(life, () => this.engineMove(from, to)),
      mkdir: (p) => asLife(life, () => this.engineMkdir(p)),
      remove: (p) => asLife(life, () => this.engineRemove(p)),
      writeFile: (p, data) => asLife(life, () => this.engineWrite(p, data)),
      append: (p, data) => asLife(life, () => this.engineAppend(p, data)),
    };
  }

  subscribe(listener: (event: FsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- faults -------------------------------------------------------------

  /** The share under `root` drops: the engine sees nothing there until `comeBack`. */
  goOffline(root: string): void {
    this.offline.add(norm(root));
    this.emit('offline', norm(root));
  }
  comeBack(root: string): void {
    this.offline.delete(norm(root));
    this.emit('online', norm(root));
  }
  isOffline(path: string): boolean {
    const p = norm(path);
    for (const root of this.offline) if (p === root || p.startsWith(root + '/')) return true;
    return false;
  }

  /** The disk holding `prefix` is full: writes into it fail ENOSPC until `free`. */
  fill(prefix: string): void {
    this.full.add(norm(prefix));
  }
  free(prefix: string): void {
    this.full.delete(norm(prefix));
  }
  isFull(path: string): boolean {
    const p = norm(path);
    for (const prefix of this.full) if (p === prefix || p.startsWith(prefix + '/')) return true;
    return false;
  }

  /** The scanner keeps the file open: open, move and remove fail with `code` until `release`. */
  hold(path: string, code: 'EBUSY' | 'EPERM'): void {
    const node = this.find(path);
    if (node?.kind === 'file') node.held = code;
  }
  release(path: string): void {
    const node = this.find(path);
    if (node?.kind === 'file') node.held = undefined;
  }

  setUnreadable(path: string, unreadable: boolean): void {
    const node = this.find(path);
    if (node) node.unreadable = unreadable;
  }

  // ---- the office's own hands (synchronous, no faults) ---------------------

  /** Writes a whole file: a new file, or the existing one rewritten in place (same id). */
  put(path: string, data: Uint8Array, options: { badName?: boolean } = {}): FileNode {
    const { dir, name } = this.parentOf(path, true);
    const existing = dir.children.get(this.key(name));
    if (existing?.kind === 'file') {
      existing.data = data;
      existing.mtimeMs = this.clock.now();
      this.emit('change', this.pathOf(existing));
      return existing;
    }
    if (existing) this.detach(existing);
    const node: FileNode = {
      kind: 'file',
      name,
      id: this.nextId++,
      parent: null,
      mtimeMs: this.clock.now(),
      data,
      badName: options.badName,
    };
    this.attach(dir, node);
    this.emit('add', this.pathOf(node));
    return node;
  }

  /** Adds bytes at the end, as a scanner writing page by page. */
  append(path: string, data: Uint8Array): FileNode {
    const node = this.find(path);
    if (node?.kind !== 'file') return this.put(path, data);
    const grown = new Uint8Array(node.data.length + data.length);
    grown.set(node.data);
    grown.set(data, node.data.length);
    node.data = grown;
    node.mtimeMs = this.clock.now();
    this.emit('change', this.pathOf(node));
    return node;
  }

  /** Renames over whatever is at `to` (a replaced file is returned); creates folders. */
  rename(from: string, to: string): Node | undefined {
    const node = this.find(from);
    if (!node) throw new FsError('ENOENT', 'rename', from);
    const { dir, name } = this.parentOf(to, true);
    const victim = dir.children.get(this.key(name));
    if (victim === node) {
      node.name = name;
      return undefined;
    }
    const fromPath = this.pathOf(node);
    this.detach(node);
    if (victim) this.detach(victim);
    node.name = name;
    this.attach(dir, node);
    if (victim) this.emitRemoved(victim, this.pathOfChild(dir, victim.name));
    this.emitRemoved(node, fromPath);
    this.emitAdded(node);
    return victim;
  }

  unlink(path: string): Node | undefined {
    const node = this.find(path);
    if (!node) return undefined;
    const at = this.pathOf(node);
    this.detach(node);
    this.emitRemoved(node, at);
    return node;
  }

  mkdirp(path: string): DirNode {
    let dir = this.rootNode;
    for (const segment of segments(path)) {
      let next = dir.children.get(this.key(segment));
      if (!next) {
        next = this.newDir(segment, null);
        this.attach(dir, next);
        this.emit('addDir', this.pathOf(next));
      } else if (next.kind !== 'dir') throw new FsError('ENOTDIR', 'mkdir', path);
      dir = next;
    }
    return dir;
  }

  symlink(path: string, target: string): LinkNode {
    const { dir, name } = this.parentOf(path, true);
    const old = dir.children.get(this.key(name));
    if (old) this.unlink(path);
    const node: LinkNode = {
      kind: 'link',
      name,
      id: this.nextId++,
      parent: null,
      mtimeMs: this.clock.now(),
      target,
    };
    this.attach(dir, node);
    this.emit('add', this.pathOf(node));
    return node;
  }

  // ---- looking (for the office and the invariant checkers) -----------------

  find(path: string): Node | undefined {
    let node: Node = this.rootNode;
    for (const segment of segments(path)) {
      if (node.kind !== 'dir') return undefined;
      const next: Node | undefined = node.children.get(this.key(segment));
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  /** The absolute path of a node still in the tree, else undefined. */
  pathOf(node: Node): string {
    const parts: string[] = [];
    for (let n: Node | null = node; n && n !== this.rootNode; n = n.parent) parts.push(n.name);
    return '/' + parts.reverse().join('/');
  }

  /** Whether the node is still somewhere in the tree. */
  isLinked(node: Node): boolean {
    let n: Node | null = node;
    while (n && n !== this.rootNode) n = n.parent;
    return n === this.rootNode;
  }

  /** Every file and link under `dir` (depth first, names sorted), skipping what `skip` names. */
  walk(
    dir: string,
    skip?: (path: string) => boolean,
  ): { path: string; node: FileNode | LinkNode }[] {
    const start = this.find(dir);
    const out: { path: string; node: FileNode | LinkNode }[] = [];
    if (start?.kind !== 'dir') return out;
    const visit = (d: DirNode, at: string) => {
      for (const child of sortedChildren(d)) {
        const p = `${at}/${child.name}`;
        if (skip?.(p)) continue;
        if (child.kind === 'dir') visit(child, p);
        else out.push({ path: p, node: child });
      }
    };
    visit(start, dir === '/' ? '' : norm(dir));
    return out;
  }

  /** The folders directly in `dir`. */
  subfolders(dir: string): string[] {
    const node = this.find(dir);
    if (node?.kind !== 'dir') return [];
    return sortedChildren(node)
      .filter((c) => c.kind === 'dir')
      .map((c) => `${norm(dir)}/${c.name}`);
  }

  // ---- the engine's calls ---------------------------------------------------

  private engineLstat(path: string): FileStat {
    const node = this.reach(path, 'lstat');
    if (node.badName) throw new FsError('EILSEQ', 'lstat', path);
    return statOf(node);
  }

  private engineOpen(path: string, life: Life | undefined): ReadHandle {
    let node = this.reach(path, 'open');
    for (let hops = 0; node.kind === 'link'; hops++) {
      if (hops >= 8) throw new FsError('ELOOP', 'open', path);
      const target = posix.resolve(posix.dirname(this.pathOf(node)), node.target);
      node = this.reach(target, 'open');
    }
    if (node.badName) throw new FsError('EILSEQ', 'open', path);
    if (node.kind === 'dir') throw new FsError('EISDIR', 'open', path);
    if (node.held) throw new FsError(node.held, 'open', path);
    if (node.unreadable) throw new FsError('EACCES', 'open', path);
    const file = node;
    let closed = false;
    return {
      read: (buffer, offset, length, position) =>
        asLife(life, () => {
          if (closed) throw new FsError('EBADF', 'read', path);
          if (this.isOffline(path)) throw new FsError('EIO', 'read', path);
          const data = file.data;
          const end = Math.min(data.length, position + length);
          if (end <= position) return 0;
          buffer.set(data.subarray(position, end), offset);
          return end - position;
        }),
      stat: () =>
        asLife(life, () => {
          if (this.isOffline(path)) throw new FsError('EIO', 'fstat', path);
          return statOf(file);
        }),
      close: () =>
        asLife(life, () => {
          closed = true;
        }),
    };
  }

  private engineList(path: string): DirEntry[] {
    const node = this.reach(path, 'scandir');
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', 'scandir', path);
    if (node.unreadable) throw new FsError('EACCES', 'scandir', path);
    return sortedChildren(node).map((c) => ({ name: c.name, kind: c.kind }));
  }

  private engineMove(from: string, to: string): void {
    const node = this.reach(from, 'rename');
    this.checkLength(to, 'rename');
    if (this.isOffline(to)) throw new FsError('ENOENT', 'rename', to);
    if (node.badName) throw new FsError('EILSEQ', 'rename', from);
    if (node.kind === 'file' && node.held) throw new FsError(node.held, 'rename', from);
    if (this.isFull(to)) throw new FsError('ENOSPC', 'rename', to);
    const existing = this.find(to);
    if (existing && existing !== node) throw new FsError('EEXIST', 'rename', to);
    this.ensureDirs(posix.dirname(norm(to)), 'rename');
    this.rename(from, to);
  }

  private engineMkdir(path: string): void {
    this.checkLength(path, 'mkdir');
    if (this.isOffline(path)) throw new FsError('ENOENT', 'mkdir', path);
    if (this.isFull(path) && !this.find(path)) throw new FsError('ENOSPC', 'mkdir', path);
    this.ensureDirs(norm(path), 'mkdir');
  }

  private engineRemove(path: string): void {
    let node: Node;
    try {
      node = this.reach(path, 'unlink');
    } catch (error) {
      if ((error as FsError).code === 'ENOENT') return;
      throw error;
    }
    if (node.badName) throw new FsError('EILSEQ', 'unlink', path);
    if (node.kind === 'dir') throw new FsError('EISDIR', 'unlink', path);
    if (node.kind === 'file' && node.held) throw new FsError(node.held, 'unlink', path);
    this.unlink(path);
  }

  private engineAppend(path: string, data: Uint8Array | string): void {
    const existing = this.find(path);
    const before = existing?.kind === 'file' ? existing.data : new Uint8Array(0);
    const more = typeof data === 'string' ? encoder.encode(data) : data;
    const joined = new Uint8Array(before.length + more.length);
    joined.set(before);
    joined.set(more, before.length);
    this.engineWrite(path, joined);
  }

  private engineWrite(path: string, data: Uint8Array | string): void {
    this.checkLength(path, 'open');
    if (this.isOffline(path)) throw new FsError('ENOENT', 'open', path);
    if (this.isFull(path)) throw new FsError('ENOSPC', 'write', path);
    const bytes = typeof data === 'string' ? encoder.encode(data) : Uint8Array.from(data);
    this.ensureDirs(posix.dirname(norm(path)), 'open');
    const existing = this.find(path);
    if (existing && existing.kind !== 'file') throw new FsError('EISDIR', 'open', path);
    if (existing?.kind === 'file' && existing.held) throw new FsError(existing.held, 'open', path);
    this.onEngineWrite?.(path, bytes);
    this.put(path, bytes);
  }

  /** Resolves a path for the engine, applying every fault on the way (final link not followed). */
  private reach(path: string, syscall: string): Node {
    this.checkLength(path, syscall);
    if (this.isOffline(path)) throw new FsError('ENOENT', syscall, path);
    let node: Node = this.rootNode;
    for (const segment of segments(path)) {
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', syscall, path);
      if (node.unreadable) throw new FsError('EACCES', syscall, path);
      const next: Node | undefined = node.children.get(this.key(segment));
      if (!next) throw new FsError('ENOENT', syscall, path);
      node = next;
    }
    return node;
  }

  private ensureDirs(path: string, syscall: string): void {
    let dir = this.rootNode;
    for (const segment of segments(path)) {
      if (dir.unreadable) throw new FsError('EACCES', syscall, path);
      let next = dir.children.get(this.key(segment));
      if (!next) {
        next = this.newDir(segment, null);
        this.attach(dir, next);
        this.emit('addDir', this.pathOf(next));
      } else if (next.kind !== 'dir') throw new FsError('ENOTDIR', syscall, path);
      dir = next;
    }
  }

  private checkLength(path: string, syscall: string): void {
    if (this.windows && path.length > WINDOWS_MAX_PATH)
      throw new FsError('ENAMETOOLONG', syscall, path);
  }

  // ---- tree plumbing --------------------------------------------------------

  private key(name: string): string {
    return this.windows ? name.toLowerCase() : name;
  }

  private newDir(name: string, parent: DirNode | null): DirNode {
    return {
      kind: 'dir',
      name,
      id: this.nextId++,
      parent,
      mtimeMs: this.clock.now(),
      children: new Map(),
    };
  }

  private parentOf(path: string, create: boolean): { dir: DirNode; name: string } {
    const p = norm(path);
    const parentPath = posix.dirname(p);
    const dir = create ? this.mkdirp(parentPath) : this.find(parentPath);
    if (dir?.kind !== 'dir') throw new FsError('ENOENT', 'open', path);
    return { dir, name: posix.basename(p) };
  }

  private attach(dir: DirNode, node: Node): void {
    dir.children.set(this.key(node.name), node);
    node.parent = dir;
    dir.mtimeMs = this.clock.now();
  }

  private detach(node: Node): void {
    const parent = node.parent;
    if (!parent) return;
    parent.children.delete(this.key(node.name));
    parent.mtimeMs = this.clock.now();
    node.parent = null;
  }

  private pathOfChild(dir: DirNode, name: string): string {
    const at = this.pathOf(dir);
    return at === '/' ? `/${name}` : `${at}/${name}`;
  }

  private emit(type: FsEvent['type'], path: string): void {
    if (this.listeners.size === 0) return;
    const event = { type, path };
    for (const listener of this.listeners) listener(event);
  }

  /** A node and everything under it went away from `at`. */
  private emitRemoved(node: Node, at: string): void {
    if (node.kind === 'dir') {
      for (const child of sortedChildren(node)) this.emitRemoved(child, `${at}/${child.name}`);
      this.emit('unlinkDir', at);
    } else this.emit('unlink', at);
  }

  private emitAdded(node: Node): void {
    const at = this.pathOf(node);
    if (node.kind === 'dir') {
      this.emit('addDir', at);
      for (const child of sortedChildren(node)) this.emitAdded(child);
    } else this.emit('add', at);
  }
}

/** What lstat says about a node. */
export function statOf(node: Node): FileStat {
  const kind: EntryKind = node.kind;
  return {
    kind,
    size: node.kind === 'file' ? node.data.length : node.kind === 'link' ? node.target.length : 0,
    mtimeMs: node.mtimeMs,
    id: `1:${node.id}`,
  };
}

function sortedChildren(dir: DirNode): Node[] {
  return [...dir.children.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

function norm(path: string): string {
  const p = posix.normalize(path);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function segments(path: string): string[] {
  return norm(path)
    .split('/')
    .filter((s) => s !== '');
}
