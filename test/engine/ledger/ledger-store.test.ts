import { describe, expect, it } from 'vitest';
import { Ledger } from '../../../main/engine/ledger/ledger.js';
import type { JournalStore } from '../../../main/engine/ports/journal-store.js';
import { job } from './helpers.js';

/** A journal in memory, as the simulator keeps one: what was appended and synced, nothing else. */
function memoryStore(initial = ''): JournalStore & { text(): string } {
  let data = Buffer.from(initial, 'latin1');
  return {
    read: async () => Uint8Array.from(data),
    append: async (bytes) => void (data = Buffer.concat([data, bytes])),
    replace: async (parts) => void (data = Buffer.concat(parts)),
    truncate: async (length) => void (data = data.subarray(0, length)),
    close: async () => undefined,
    text: () => data.toString('latin1'),
  };
}

describe('the ledger over any journal store', () => {
  it('drops a torn last line a crash left, so the next line does not glue onto it', async () => {
    const whole = JSON.stringify(job('a')) + '\n';
    const store = memoryStore(whole + JSON.stringify(job('b')).slice(0, 30));
    const ledger = await Ledger.openStore(store);
    expect(ledger.stats).toMatchObject({ tornTail: true, compacted: true });
    await ledger.put(job('c'));
    await ledger.close();
    const ids = store
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toEqual(['a', 'c']);
  });

  it('compacts only when asked, when told not to do it in the background', async () => {
    const store = memoryStore();
    const ledger = await Ledger.openStore(store, { autoCompact: false, compactMinLines: 0 });
    const a = job('a');
    for (const state of ['waiting', 'queued', 'uploading'] as const)
      await ledger.put({ ...a, state });
    expect(ledger.stats).toMatchObject({ journalLines: 3, compactions: 0 });
    await ledger.compact();
    expect(ledger.stats).toMatchObject({ journalLines: 1, compactions: 1 });
    expect(store.text().split('\n').filter(Boolean)).toHaveLength(1);
    expect(JSON.parse(store.text())).toMatchObject({
      id: 'a',
      state: 'uploading',
      phase: 'uploading',
    });
  });
});
