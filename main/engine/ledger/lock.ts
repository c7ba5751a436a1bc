import { hostname, uptime } from 'node:os';
import { link, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/**
 * One writer per ledger: the desktop app and the CLI share the data dir, and
 * two processes appending to one journal would interleave and compact over
 * each other. Node has no portable flock, so the lock is a file created with
 * O_EXCL holding the owner's pid and host, refreshed by a heartbeat.
 *
 * A lock whose owner runs on this host is never taken, however old its
 * heartbeat: a watcher stopped in a debugger, suspended (kill -STOP) or
 * starved would resume writing beside the new owner and every file would be
 * uploaded twice (issue 7). It is taken when its pid is gone, or when its
 * heartbeat stopped and it records an earlier boot of this machine (the pid
 * now belongs to some other process). The heartbeat's age decides alone only
 * when the owner cannot be checked: another host sharing the folder, or a
 * lock whose pid was never written.
 */

/** How often the owner touches the lock file. */
export const HEARTBEAT_MS = 5_000;
/** A lock not touched for this long is stale when its owner cannot be checked. */
export const STALE_MS = 30_000;
/**
 * Boot times computed as "now − uptime" agree within a second or two on one
 * boot; a clock set by hand or by NTP moves them too, so only a larger gap
 * counts as a reboot.
 */
const REBOOT_GAP_MS = 120_000;

interface LockInfo {
  pid: number;
  host: string;
  since: string;
  /** When this machine booted (ms since the epoch), to tell a pid reused after a reboot. */
  boot: number;
}

/** How to judge another owner's lock; tests shorten the staleness. */
export interface LockOptions {
  staleMs?: number;
}

function bootTime(now = Date.now()): number {
  return Math.round(now - uptime() * 1000);
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

function isStale(
  lock: { info: Partial<LockInfo>; mtimeMs: number },
  now: number,
  staleMs: number,
): boolean {
  const silent = now - lock.mtimeMs > staleMs;
  const { pid, host, boot } = lock.info;
  // Half-written (its owner died creating it, or is writing it now) or from another host:
  // nothing to ask, so only a heartbeat that stopped says the owner is gone.
  if (typeof pid !== 'number' || (host !== undefined && host !== hostname())) return silent;
  if (!isAlive(pid)) return true;
  return silent && typeof boot === 'number' && Math.abs(bootTime(now) - boot) > REBOOT_GAP_MS;
}

/** A held lock; release() removes it. */
export class LedgerLock {
  private timer: NodeJS.Timeout | null = null;

  private constructor(readonly path: string) {}

  /** Takes the lock at `path`, taking over a stale one; throws LedgerLockedError when held. */
  static async acquire(path: string, options: LockOptions = {}): Promise<LedgerLock> {
    const staleMs = options.staleMs ?? STALE_MS;
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      boot: bootTime(),
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(path, 'wx');
        try {
          await handle.writeFile(JSON.stringify(info));
        } catch (error) {
          // A lock we could not finish writing (a full disk) names no owner: a later start
          // would take it for someone else's. It was ours, so it goes.
          await handle.close();
          await rm(path, { force: true });
          throw error;
        }
        await handle.close();
        const lock = new LedgerLock(path);
        lock.startHeartbeat();
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = await readLock(path);
      if (current === null) continue; // released meanwhile: try again
      if (!isStale(current, Date.now(), staleMs)) throw new LedgerLockedError(path, current.info);
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
