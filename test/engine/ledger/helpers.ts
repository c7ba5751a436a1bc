import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { JOURNAL_FILE, Ledger, ledgerDir } from '../../../main/engine/ledger/ledger.js';
import type { LedgerOptions } from '../../../main/engine/ledger/ledger.js';
import type { Job } from '../../../main/engine/types.js';

/** A fresh ledger folder per test under a temp data dir; every ledger opened is closed after. */
export interface LedgerFixture {
  /** The ledger folder (`<temp data dir>/ledger`); not created until a ledger opens it. */
  readonly dir: string;
  open(options?: LedgerOptions): Promise<Ledger>;
  /** Closes the ledger and opens the folder again, as a restart would. */
  reopen(ledger: Ledger, options?: LedgerOptions): Promise<Ledger>;
  /** The journal's non-empty lines. */
  journalLines(): Promise<string[]>;
}

export function useLedgerDir(): LedgerFixture {
  let dir = '';
  const opened: Ledger[] = [];
  beforeEach(async () => {
    dir = ledgerDir(await mkdtemp(join(tmpdir(), 'concur-drop-ledger-')));
  });
  afterEach(async () => {
    for (const ledger of opened.splice(0)) await ledger.close();
    await rm(join(dir, '..'), { recursive: true, force: true });
  });
  const fixture: LedgerFixture = {
    get dir() {
      return dir;
    },
    async open(options) {
      const ledger = await Ledger.open(dir, options);
      opened.push(ledger);
      return ledger;
    },
    async reopen(ledger, options) {
      await ledger.close();
      return fixture.open(options);
    },
    async journalLines() {
      return (await readFile(join(dir, JOURNAL_FILE), 'utf8')).split('\n').filter(Boolean);
    },
  };
  return fixture;
}

let created = 1_700_000_000_000;

/** A job as the engine would write it; each one a second newer than the last. */
export function job(id: string, extra: Partial<Job> = {}): Job {
  created += 1000;
  return {
    id,
    root: '/scans',
    relPath: `${id}.pdf`,
    name: `${id}.pdf`,
    target: { kind: 'receipt' },
    state: 'queued',
    attempts: 0,
    createdAt: created,
    updatedAt: created,
    ...extra,
  };
}
