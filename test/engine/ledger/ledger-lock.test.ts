import { spawn } from 'node:child_process';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerLockedError, LOCK_FILE } from '../../../main/engine/ledger/ledger.js';
import { LedgerLock } from '../../../main/engine/ledger/lock.js';
import { job, useLedgerDir } from './helpers.js';

const ledgers = useLedgerDir();

describe('one process at a time', () => {
  it('refuses a second open while the ledger is open, naming the owner', async () => {
    await ledgers.open();
    const second = Ledger.open(ledgers.dir);
    await expect(second).rejects.toBeInstanceOf(LedgerLockedError);
    await expect(Ledger.open(ledgers.dir)).rejects.toThrow(`in use by process ${process.pid}`);
  });

  it('refuses while another live process holds the lock', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await waitFor(() => other.pid !== undefined);
      await writeLock({ pid: other.pid, host: hostname(), since: 'x' });
      await expect(Ledger.open(ledgers.dir)).rejects.toThrow(`process ${other.pid}`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that died', async () => {
    const other = spawn(process.execPath, ['-e', '']);
    const pid = other.pid;
    await new Promise((resolve) => other.once('exit', resolve));
    await writeLock({ pid, host: hostname(), since: 'x' });
    const ledger = await ledgers.open();
    expect(ledger.all()).toEqual([]);
  });

  it('never takes the lock of a suspended owner, however old its heartbeat', async () => {
    // A real watcher's lock, held by a child process that is then stopped (kill -STOP):
    // no heartbeat for many times the staleness, yet its pid lives.
    const path = join(ledgers.dir, LOCK_FILE);
    await mkdir(ledgers.dir, { recursive: true });
    const owner = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', holdLockScript(path)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolveHeld, reject) => {
        owner.stdout!.once('data', () => resolveHeld());
        owner.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
      });
      owner.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 400));
      const age = Date.now() - (await stat(path)).mtimeMs;
      expect(age).toBeGreaterThan(300);
      await expect(LedgerLock.acquire(path, { staleMs: 100 })).rejects.toThrow(
        `in use by process ${owner.pid}`,
      );
      // Resumed, it still owns the ledger it never lost.
      owner.kill('SIGCONT');
      await expect(LedgerLock.acquire(path, { staleMs: 100 })).rejects.toBeInstanceOf(
        LedgerLockedError,
      );
    } finally {
      owner.kill('SIGCONT');
      owner.kill('SIGKILL');
    }
  });

  it('takes over a lock whose pid lives but was written before this machine booted', async () => {
    const dayBeforeBoot = Date.now() - uptime() * 1000 - 86_400_000;
    const lock = await writeLock({
      pid: process.ppid,
      host: hostname(),
      since: 'x',
      boot: dayBeforeBoot,
    });
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(lock, hourAgo, hourAgo);
    await ledgers.open();
  });

  it('takes over a silent lock from another host only once its heartbeat stopped', async () => {
    const path = await writeLock({ pid: 1, host: 'some-other-pc', since: 'x' });
    await expect(LedgerLock.acquire(path, { staleMs: 60_000 })).rejects.toThrow(
      'process 1 on some-other-pc',
    );
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(path, hourAgo, hourAgo);
    await (await LedgerLock.acquire(path, { staleMs: 60_000 })).release();
  });

  it('lets status read a ledger another process has open', async () => {
    const writer = await ledgers.open();
    await writer.put(job('a'));
    const reader = await ledgers.open({ readOnly: true });
    expect(reader.get('a')?.state).toBe('queued');
    await expect(reader.put(job('b'))).rejects.toThrow(/read-only/);
  });

  it('reads a data dir without a ledger as empty, without creating one', async () => {
    const reader = await ledgers.open({ readOnly: true });
    expect(reader.all()).toEqual([]);
    await expect(stat(ledgers.dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('frees the lock on close for the next process', async () => {
    const first = await Ledger.open(ledgers.dir);
    await first.close();
    expect(await readdir(ledgers.dir)).not.toContain(LOCK_FILE);
    await ledgers.open();
  });
});

function holdLockScript(path: string): string {
  const lockModule = resolve(import.meta.dirname, '../../../main/engine/ledger/lock.ts');
  return [
    `const { LedgerLock } = await import(${JSON.stringify(lockModule)});`,
    `await LedgerLock.acquire(${JSON.stringify(path)});`,
    `process.stdout.write('held\\n');`,
    'setInterval(() => {}, 60_000);',
  ].join('\n');
}

async function writeLock(info: object): Promise<string> {
  await mkdir(ledgers.dir, { recursive: true });
  await writeFile(join(ledgers.dir, LOCK_FILE), JSON.stringify(info));
  return join(ledgers.dir, LOCK_FILE);
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
