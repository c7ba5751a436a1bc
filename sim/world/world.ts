import type { ConcurClient } from '../../main/engine/concur/concur-client.js';
import type { Clock } from '../../main/engine/ports.js';
import type { FileSystem } from '../../main/engine/ports/file-system.js';
import type { JournalStore } from '../../main/engine/ports/journal-store.js';
import { targetKey } from '../../main/engine/routing/route.js';
import { settingsSchema, type Settings } from '../../main/engine/settings/schema.js';
import type { UploadTarget } from '../../main/engine/types.js';
import { makePdf } from './documents.js';
import { History } from './history.js';
import { Life } from './life.js';
import { MemoryConcur } from './memory-concur.js';
import { MemoryFileSystem } from './memory-fs.js';
import { MemoryJournalStore } from './memory-journal.js';
import { MemoryWatcher, type MemoryWatchOptions } from './memory-watch.js';
import { SeededRandom } from './seeded-random.js';
import { VirtualClock } from './virtual-clock.js';

/**
 * The whole simulated office: its disk, Concur, the keychain and time, shared
 * by every life of the engine. `startLife` hands the engine a SimWorld: ports
 * bound to that life, so a crash cuts it off at once while the disk and
 * Concur keep what it did.
 */

/** What one life of the engine is built from. */
export interface SimWorld {
  seed: number;
  life: Life;
  clock: Clock;
  fs: FileSystem;
  journal: JournalStore;
  concur: ConcurClient;
  /** A watcher of one root, with the engine's RootWatcher events. */
  watch(root: string, options: MemoryWatchOptions): MemoryWatcher;
  /** Roots as configured (absolute). */
  roots: readonly string[];
  dataDir: string;
  settings: Settings;
  /** The keychain: the token the user stored, and word when it changes. */
  token: { get(): Promise<string | null>; onChange(listener: () => void): () => void };
  /** Chance for the engine (backoff jitter), forked per life. */
  random: SeededRandom;
  /** Every line the engine shows or logs: checked for the token. */
  output(line: string): void;
}

export interface WorldOptions {
  seed: number;
  /** Plays Windows: case-insensitive names and 260-character paths. Default: the seed decides. */
  windows?: boolean;
  /** Share of native add/change events that never arrive. */
  missProbability?: number;
  settings?: Partial<Settings>;
}

export const DATA_DIR = '/data';
/**
 * How often an engine in this office lists its roots again. Native events
 * are sometimes lost; only a rescan finds those files, so the office gives
 * the engine one such period after its last action before it checks.
 */
export const RESCAN_MS = 30_000;
export const ROOTS = ['/office/Scans', '/share/Receipts'] as const;
/** A private file outside every root: a link may point at it, and it must never reach Concur. */
export const OUTSIDE_FILE = '/home/user/private.pdf';

export class World {
  readonly seed: number;
  readonly random: SeededRandom;
  readonly clock = new VirtualClock();
  readonly fs: MemoryFileSystem;
  readonly journal: MemoryJournalStore;
  readonly concur: MemoryConcur;
  readonly history: History;
  readonly settings: Settings;
  readonly missProbability: number;
  /** Paths whose native add/change event was dropped on purpose. */
  readonly missedPaths = new Set<string>();
  /** When each share was offline. */
  readonly offline: { root: string; from: number; to?: number }[] = [];
  /** Output lines that held a token (kept short: the first few). */
  readonly leaks: string[] = [];
  private life: Life | undefined;
  private lives = 0;
  private watchers: MemoryWatcher[] = [];
  private readonly watchRandom: SeededRandom;

  constructor(options: WorldOptions) {
    this.seed = options.seed;
    this.random = new SeededRandom(options.seed);
    const windows = options.windows ?? this.random.fork('windows').chance(0.5);
    this.fs = new MemoryFileSystem({ clock: this.clock, windows });
    this.journal = new MemoryJournalStore(this.clock, this.random.fork('journal'));
    this.concur = new MemoryConcur(
      { fs: this.fs, clock: this.clock, random: this.random.fork('concur') },
      'simtoken',
    );
    this.watchRandom = this.random.fork('watch');
    this.missProbability = options.missProbability ?? 0.02;
    this.settings = settingsSchema.parse({
      concur: { baseUrl: 'https://www.concursolutions.com' },
      folders: ROOTS.map((path) => ({ path })),
      settleMs: 1000,
      batchWindowMs: 5000,
      maxWaitMs: 600_000,
      concurrency: 2,
      ...options.settings,
    });
    for (const root of ROOTS) this.fs.mkdirp(root);
    this.fs.mkdirp(DATA_DIR);
    this.fs.put(OUTSIDE_FILE, makePdf('private-outside-the-roots', 3));
    this.history = new History(this.fs, this.clock);
    this.fs.onEngineWrite = (path, data) => this.scan(`a file the engine wrote (${path})`, data);
    this.journal.onWrite = (data) => this.scan('the journal', data);
  }

  get roots(): readonly string[] {
    return ROOTS;
  }

  get currentLife(): Life | undefined {
    return this.life;
  }

  /** Ports for a new life of the engine (the previous one must have ended). */
  startLife(): SimWorld {
    if (this.life?.isAlive) throw new Error('the engine is still running');
    const life = new Life(++this.lives);
    this.life = life;
    const clock = this.clock.forLife(life);
    const concur = this.concur;
    return {
      seed: this.seed,
      life,
      clock,
      fs: this.fs.view(life),
      journal: this.journal.view(life),
      concur: concur.client(life),
      watch: (root, options) => {
        const watcher = new MemoryWatcher(root, options, {
          fs: this.fs,
          clock,
          random: this.watchRandom,
          missProbability: this.missProbability,
          onMiss: (path) => this.missedPaths.add(path),
        });
        this.watchers.push(watcher);
        return watcher;
      },
      roots: ROOTS,
      dataDir: DATA_DIR,
      settings: this.settings,
      token: {
        get: async () => concur.token,
        onChange: (listener) => concur.onTokenChange(() => life.isAlive && listener()),
      },
      random: this.random.fork(`engine-${life.number}`),
      output: (line) => this.scanText('engine output', line),
    };
  }

  /** The process dies: its timers, watchers and pending calls are gone; the disk keeps what was durable. */
  crash(): { tornBytes: number } {
    const life = this.life;
    if (!life?.isAlive) return { tornBytes: 0 };
    life.end();
    for (const watcher of this.watchers) void watcher.close();
    this.watchers = [];
    const torn = this.journal.crash();
    this.concur.lifeEnded(life, () => uploadsStillGoingOut(this.journal.durable()));
    return torn;
  }

  /** A clean stop: the life ends without losing anything in flight on disk. */
  endLife(): void {
    this.life?.end();
    this.journal.flush();
    for (const watcher of this.watchers) void watcher.close();
    this.watchers = [];
    if (this.life) this.concur.lifeEnded(this.life);
  }

  /** Records a leak when `data` holds any token handed out so far. */
  scan(where: string, data: Uint8Array): void {
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (const token of this.concur.tokensSeen) {
      if (buffer.indexOf(token, 0, 'latin1') >= 0) this.leak(where);
    }
  }

  scanText(where: string, text: string): void {
    for (const token of this.concur.tokensSeen) if (text.includes(token)) this.leak(where);
  }

  private leak(where: string): void {
    if (this.leaks.length < 5) this.leaks.push(`the token reached ${where}`);
  }
}

/**
 * `key sha256` of each upload the ledger (the engine's journal, JSON lines)
 * durably shows as going out: a restart takes these as maybe landed and may
 * send them again. Lines that are not jobs, or torn, say nothing.
 */
function uploadsStillGoingOut(journal: Uint8Array): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const lines = Buffer.from(journal).toString('utf8').split('\n');
  // The last piece is a torn line (the append a crash cut) or empty: it records nothing.
  lines.pop();
  // Newest first: a job's last durable record is the one that counts; most need no parsing.
  for (let i = lines.length - 1; i >= 0; i--) {
    const id = /"id":"([^"]*)"/.exec(lines[i])?.[1];
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    if (!lines[i].includes('"phase":"uploading"') && !lines[i].includes('"phase":"outgoing"'))
      continue;
    try {
      const job = JSON.parse(lines[i]) as { target?: UploadTarget; sent?: { sha256?: string } };
      if (job.target && job.sent?.sha256) out.add(`${targetKey(job.target)} ${job.sent.sha256}`);
    } catch {
      // A torn last line: the write never completed.
    }
  }
  return out;
}
