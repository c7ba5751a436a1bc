import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, ledgerDir } from '../../../main/engine/ledger/ledger.js';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';
import { waitFor } from '../../helpers/temp-dir.js';

/**
 * A receipt's records that a crash could lose without harm stay in memory
 * (docs/architecture.md#the-ledger): a backlog pays for fewer disk writes, and
 * what is on disk still tells a restart all it needs.
 */

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The phases written to the journal for the job of each file, in order. */
async function phasesOnDisk(dataDir: string): Promise<Map<string, string[]>> {
  const text = await readFile(join(ledgerDir(dataDir), JOURNAL_FILE), 'utf8');
  const byFile = new Map<string, string[]>();
  for (const line of text.split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { relPath: string; phase: string };
    byFile.set(record.relPath, [...(byFile.get(record.relPath) ?? []), record.phase]);
  }
  return byFile;
}

describe('engine: what the journal is told', () => {
  it('writes a receipt from the moment its file was checked', async () => {
    h = await startEngineHarness({ settings: { concurrency: 1 } });
    h.sandbox.inject({ delayMs: 800 });
    await h.put('first.jpg', jpeg(2000, 31));
    await h.waitForJob('first.jpg', (j) => j.state === 'uploading');
    await h.put('second.jpg', jpeg(2000, 32));
    for (const name of ['first.jpg', 'second.jpg'])
      expect((await h.waitForJob(name)).state).toBe('uploaded');
    await waitFor(() => h!.engine.job(h!.jobAt('second.jpg')?.id ?? '')?.disposition === 'moved');
    await h.engine.whenIdle();

    // Seen and being checked are not written: a crash then finds the file where it was.
    const phases = await phasesOnDisk(h.dataDir);
    for (const name of ['first.jpg', 'second.jpg'])
      expect(phases.get(name)).toEqual(['queued', 'outgoing', 'uploading', 'done', 'done']);
  });
});
