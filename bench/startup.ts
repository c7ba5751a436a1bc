import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createEngine } from '../main/engine/engine.js';
import { parseSettings } from '../main/engine/settings/schema.js';
import { oldScans, writeLedger } from './ledger-records.js';
import { TOKEN, withTempDir, type BenchContext } from './lib.js';

/**
 * docs/architecture.md#performance-targets: with 100,000 ledger records the engine is ready (start()
 * resolved: ledger read, indexes built, watchers armed) in ≤ 1 s. Baseline:
 * the same start with an empty ledger.
 */

export async function startupBench(ctx: BenchContext): Promise<void> {
  const records = ctx.quick ? 20_000 : 100_000;
  const empty = await timeStart(0);
  const full = await timeStart(records);
  ctx.report(
    `start-up with ${records.toLocaleString('en')} ledger records: ${full.toFixed(0)} ms vs empty ledger ${empty.toFixed(0)} ms → ${(full / 1000).toFixed(2)}× of the 1 s target (≤ 1 passes)`,
  );
}

async function timeStart(records: number): Promise<number> {
  return withTempDir(`startup-${records}`, async (dir) => {
    const scans = join(dir, 'Scans');
    await mkdir(scans);
    const dataDir = join(dir, 'data');
    await writeLedger(dataDir, oldScans(dir, records));
    const engine = createEngine({
      settings: parseSettings({
        concur: { baseUrl: 'http://127.0.0.1:9' },
        folders: [{ path: scans }],
      }),
      dataDir,
      getToken: async () => TOKEN,
    });
    const started = performance.now();
    await engine.start();
    const ms = performance.now() - started;
    await engine.stop();
    return ms;
  });
}
