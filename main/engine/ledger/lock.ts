import { hostname } from 'node:os';
import { link, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/**
 * One writer per ledger: the desktop app and the CLI share the data dir, and
 * two processes appending to one journal would interleave and compact over
 * each other. Node has no portable flock, so the lock is a file created with
 * O_EXCL holding the owner's pid and host, refreshed by a heartbeat.
 *
 * A lock is stale — and taken over — when its pid is gone on this host, or
 * when its heartbeat is older than STALE_MS (the pid was reused after a
 * reboot or a crash, or the owner is on another host sharing the folder).
 */

/** How often the owner touches the lock file. */
export const HEARTBEAT_MS = 5_000;
/** A lock not touched for this long is stale even if its pid exists. */
export const STALE_MS = 30_000;

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

/** Another live process has this ledger open. */
export class LedgerLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly owner: { pid?: number; host?: string },
  ) {
    const who = owner.pid
      ? `process ${owner.pid}${owner.host ? ` on ${owner.host}` : ''}`
      : 'another process';
    super(
      `The Concur Drop ledger is in use by ${who} (the desktop app or another concur-drop ` +
        `command). Close it first; if no such process runs, delete ${lockPath}.`,
    );
    this.name = 'LedgerLockedError';
  }
}

/** Whether a process with this pid runs on this machine (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(
  path: string,
): Promise<{ info: Partial<LockInfo>; mtimeMs: number } | null> {
  try {
    const [text, stats] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let info: Partial<LockInfo> = {};
    try {
      info = JSON.parse(text) as Partial<LockInfo>;
    } catch {
      // Half-written by an owner that died while creating it: stale by its age below.
    }
    return { info, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function isStale(lock: { info: Partial<LockInfo>; mtimeMs: number }, now: number): boolean {
  if (now - lock.mtimeMs > STALE_MS) return true;
  const { pid, host } = lock.info;
  if (typeof pid !== 'number') return false; // being written right now; fresh, so respect it
  if (host !== undefined && host !== hostname()) return false;
  return !isAlive(pid);
}

/** A held lock; release() removes it. */
export class LedgerLock {
  private timer: NodeJS.Timeout | null = null;

  private constructor(readonly path: string) {}

  /** Takes the lock at `path`, taking over a stale one; throws LedgerLockedError when held. */
  static async acquire(path: string): Promise<LedgerLock> {
    const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(path, 'wx');
        try {
          await handle.writeFile(JSON.stringify(info));
        } finally {
          await handle.close();
        }
        const lock = new LedgerLock(path);
        lock.startHeartbeat();
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = await readLock(path);
      if (current === null) continue; // released meanwhile: try again
      if (!isStale(current, Date.now())) throw new LedgerLockedError(path, current.info);
      // Move the stale lock aside under a unique name, then check that what was moved is the
      // lock judged stale: if another process took it over in between, put its lock back.
      const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
      try {
        await rename(path, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const moved = await readLock(aside);
      if (
        moved &&
        (moved.info.since !== current.info.since || moved.info.pid !== current.info.pid)
      ) {
        await link(aside, path).catch(() => undefined);
        await rm(aside, { force: true });
        throw new LedgerLockedError(path, moved.info);
      }
      await rm(aside, { force: true });
    }
    const current = await readLock(path);
    throw new LedgerLockedError(path, current?.info ?? {});
  }

  private startHeartbeat(): void {
    this.timer = setInterval(() => {
      const now = new Date();
      utimes(this.path, now, now).catch(() => undefined);
    }, HEARTBEAT_MS);
    // The heartbeat must never keep a finished CLI command alive.
    this.timer.unref();
  }

  /** Stops the heartbeat and removes the lock file if it is still ours. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const current = await readLock(this.path).catch(() => null);
    if (current?.info.pid === process.pid && current.info.host === hostname()) {
      await rm(this.path, { force: true });
    }
  }
}
