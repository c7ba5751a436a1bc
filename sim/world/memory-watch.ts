import { EventEmitter } from 'node:events';
import type { Clock } from '../../main/engine/ports.js';
import type { FileStat } from '../../main/engine/ports/file-system.js';
import { statOf, type FsEvent, type MemoryFileSystem, type Node } from './memory-fs.js';
import type { SeededRandom } from './seeded-random.js';

/**
 * The watcher of one root in the simulated office, with the events of the
 * engine's RootWatcher: the initial listing as `file … add` then `ready`;
 * later changes after a small random delay (in order per watcher); some add
 * and change events dropped on purpose, as native watchers drop them; a share
 * that drops reports `unavailable`, and on its return `available`, a fresh
 * listing and `ready` again.
 */

export interface SimWatcherEventMap {
  file: [relPath: string, event: 'add' | 'change'];
  unlink: [relPath: string];
  missed: [relPath: string];
  'not-a-file': [relPath: string, reason: string];
  /** Something the engine must show rather than skip: a link, a bad name, an unreadable folder. */
  problem: [relPath: string, code: string, reason: string];
  ready: [];
  unavailable: [reason: string];
  available: [];
  error: [error: Error];
  quiet: [];
}

export interface MemoryWatchOptions {
  isIgnored: (relPath: string) => boolean;
  /** How often the whole root is listed again; 0 or unset: never. */
  rescanMs?: number;
  /** Whether a file found by re-listing is already known to the owner. */
  isKnown?: (relPath: string, stat: FileStat) => boolean;
}

export interface MemoryWatchWorld {
  fs: MemoryFileSystem;
  clock: Clock;
  random: SeededRandom;
  /** Share of add/change events never delivered. */
  missProbability: number;
  /** Told of each event dropped on purpose. */
  onMiss?: (path: string) => void;
}

/** Names a scanner would give a scan: a folder so named is worth a word to the user. */
const SCAN_LIKE = /\.(pdf|jpe?g|png|gif|tiff?|heic)$/i;

/** Longest delay of a native event, in virtual ms. */
const MAX_EVENT_DELAY_MS = 20;

export class MemoryWatcher extends EventEmitter<SimWatcherEventMap> {
  private unsubscribe: (() => void) | undefined;
  private isAvailable = false;
  private initialDone = false;
  private closed = false;
  private queued = 0;
  private lastDeliveryAt = 0;
  private rescanTimer: unknown;

  constructor(
    readonly root: string,
    private readonly options: MemoryWatchOptions,
    private readonly world: MemoryWatchWorld,
  ) {
    super();
  }

  get available(): boolean {
    return this.isAvailable;
  }

  get ready(): boolean {
    return this.initialDone;
  }

  get pending(): number {
    return this.queued;
  }

  async start(): Promise<void> {
    await Promise.resolve();
    if (this.closed) return;
    this.unsubscribe = this.world.fs.subscribe((event) => this.onFsEvent(event));
    this.arm();
    this.scheduleRescan();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.world.clock.clearTimeout(this.rescanTimer);
    await Promise.resolve();
  }

  private reachable(): boolean {
    const { fs } = this.world;
    return !fs.isOffline(this.root) && fs.find(this.root)?.kind === 'dir';
  }

  /** Lists the root as a fresh native watch would, then says ready. */
  private arm(): void {
    this.initialDone = true;
    if (!this.reachable()) {
      this.isAvailable = false;
      this.emit('unavailable', 'the folder does not exist or cannot be reached');
      return;
    }
    this.isAvailable = true;
    this.listAll((rel, node) => this.report(rel, node, 'add'));
    this.emit('ready');
  }

  private listAll(found: (rel: string, node: Node) => void): void {
    const { fs } = this.world;
    const visit = (dirPath: string, rel: string) => {
      const dir = fs.find(dirPath);
      if (dir?.kind !== 'dir') return;
      if (dir.unreadable) {
        if (rel) this.emit('problem', rel, 'unreadable', 'a folder Concur Drop may not read');
        return;
      }
      const children = [...dir.children.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const child of children) {
        const childRel = rel ? `${rel}/${child.name}` : child.name;
        if (this.options.isIgnored(childRel)) continue;
        if (child.kind === 'dir') {
          if (SCAN_LIKE.test(child.name))
            this.emit(
              'not-a-file',
              childRel,
              'a folder, not a file (the files inside it are still watched)',
            );
          visit(`${dirPath}/${child.name}`, childRel);
        } else found(childRel, child);
      }
    };
    visit(this.root, '');
  }

  /** Tells the owner about one entry that appeared or changed. */
  private report(rel: string, node: Node, event: 'add' | 'change'): void {
    if (node.badName) this.emit('problem', rel, 'bad-name', 'its name is not valid text (UTF-8)');
    else if (node.kind === 'link')
      this.emit('problem', rel, 'symlink', 'a symbolic link (links are not followed)');
    else if (node.kind === 'file') this.emit('file', rel, event);
  }

  private relOf(path: string): string | undefined {
    if (!path.startsWith(this.root + '/')) return undefined;
    return path.slice(this.root.length + 1);
  }

  private onFsEvent(event: FsEvent): void {
    if (this.closed) return;
    const { random } = this.world;
    if (event.type === 'offline' || event.type === 'online') {
      if (this.root === event.path || this.root.startsWith(event.path + '/'))
        this.deliver(() => this.onShare(event.type === 'online'));
      return;
    }
    if (!this.isAvailable || this.world.fs.isOffline(this.root)) return;
    const rel = this.relOf(event.path);
    if (rel === undefined || this.options.isIgnored(rel)) return;
    switch (event.type) {
      case 'add':
      case 'change': {
        if (random.chance(this.world.missProbability)) {
          this.world.onMiss?.(event.path);
          return;
        }
        const type = event.type;
        this.deliver(() => {
          const node = this.world.fs.find(event.path);
          if (node && this.isAvailable) this.report(rel, node, type);
        });
        return;
      }
      case 'addDir':
        if (SCAN_LIKE.test(rel.slice(rel.lastIndexOf('/') + 1)))
          this.deliver(() => {
            if (this.isAvailable)
              this.emit(
                'not-a-file',
                rel,
                'a folder, not a file (the files inside it are still watched)',
              );
          });
        return;
      case 'unlink':
        this.deliver(() => {
          if (this.isAvailable) this.emit('unlink', rel);
        });
        return;
      default:
        return;
    }
  }

  private onShare(online: boolean): void {
    if (online && !this.isAvailable && this.reachable()) {
      this.emit('available');
      this.arm();
    } else if (!online && this.isAvailable) {
      this.isAvailable = false;
      this.emit('unavailable', 'the folder was removed or the share was disconnected');
    }
  }

  /** Delivers after a small delay, never before an earlier event of this watcher. */
  private deliver(step: () => void): void {
    const { clock, random } = this.world;
    const at = Math.max(this.lastDeliveryAt, clock.now() + random.int(1, MAX_EVENT_DELAY_MS));
    this.lastDeliveryAt = at;
    this.queued++;
    clock.setTimeout(() => {
      this.queued--;
      if (this.closed) return;
      step();
      if (this.queued === 0) this.emit('quiet');
    }, at - clock.now());
  }

  private scheduleRescan(): void {
    const every = this.options.rescanMs ?? 0;
    if (!(every > 0) || this.closed) return;
    this.rescanTimer = this.world.clock.setTimeout(() => {
      if (this.closed) return;
      if (this.isAvailable && this.reachable()) {
        this.listAll((rel, node) => {
          if (this.options.isKnown?.(rel, statOf(node))) return;
          if (node.kind === 'file' && !node.badName) this.emit('missed', rel);
          else this.report(rel, node, 'add');
        });
      }
      this.scheduleRescan();
    }, every);
  }
}
