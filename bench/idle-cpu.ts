import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox } from '../main/sandbox/sandbox.js';
import { jpeg } from '../test/fixtures/scans.js';
import type { Job } from '../main/engine/types.js';
import { writeLedger } from './ledger-records.js';
import {
  cpuMs,
  sleep,
  startCli,
  TOKEN,
  withTempDir,
  writeConfig,
  type BenchContext,
} from './lib.js';

/**
 * docs/architecture.md#performance-targets: 50,000 files under the roots at rest cost ~0 % CPU. The files
 * are already handled: `afterUpload: keep` and a ledger that knows each one
 * (same size and mtime), as after a long catch-up — so the watcher holds
 * all 50,000 in its tree and nothing is uploaded. After the catch-up walk has
 * settled, the CLI's CPU time is read from /proc over a few seconds, next to
 * an idle `node` process measured over the same seconds as the baseline.
 */

const PER_FOLDER = 500;

export async function idleCpuBench(ctx: BenchContext): Promise<void> {
  const total = ctx.quick ? 10_000 : 50_000;
  const windowMs = ctx.quick ? 3000 : 5000;
  const sandbox = await startSandbox({ port: 0, token: TOKEN });
  try {
    await withTempDir('idle', async (dir) => {
      const scans = join(dir, 'Scans');
      const bytes = jpeg(800);
      // Kept in place after their upload, as `afterUpload: keep` leaves them: a record that says
      // "moved" would make each file found in place a new drop of the same bytes (a duplicate).
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const known: (Partial<Job> & Pick<Job, 'root' | 'relPath'>)[] = [];
      for (let f = 0; f < total / PER_FOLDER; f++) {
        const folder = `batch-${String(f).padStart(3, '0')}`;
        await mkdir(join(scans, folder), { recursive: true });
        for (let i = 0; i < PER_FOLDER; i++) {
          const relPath = `${folder}/scan-${i}.jpg`;
          await writeFile(join(scans, relPath), bytes);
          const st = await stat(join(scans, relPath));
          known.push({
            root: scans,
            relPath,
            size: st.size,
            mtimeMs: st.mtimeMs,
            sha256,
            disposition: 'kept',
            finalPath: undefined,
          });
        }
      }
      const dataDir = join(dir, 'data');
      await writeLedger(dataDir, known);
      const config = await writeConfig(dir, sandbox.url, { afterUpload: 'keep' });

      const started = Date.now();
      const child = startCli(['watch', '--config', config], dataDir);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout!.resume();
      const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
        stdio: 'ignore',
      });
      try {
        while (!stderr.includes('Watching')) {
          if (Date.now() - started > 180_000) throw new Error('the watcher did not start');
          await sleep(100);
        }
        // Caught up when a whole second passes with under 2 % of a core used.
        let settledAt = 0;
        for (;;) {
          const before = cpuMs(child.pid!);
          await sleep(1000);
          const after = cpuMs(child.pid!);
          if (before === null || after === null) {
            ctx.report('idle CPU: not measured (needs Linux /proc)');
            return;
          }
          if (after - before < 20) {
            settledAt = Date.now();
            break;
          }
          if (Date.now() - started > 240_000) throw new Error('the watcher never settled');
        }
        const ours0 = cpuMs(child.pid!)!;
        const base0 = cpuMs(idle.pid!)!;
        await sleep(windowMs);
        const ours = ((cpuMs(child.pid!)! - ours0) / windowMs) * 100;
        const base = ((cpuMs(idle.pid!)! - base0) / windowMs) * 100;
        ctx.report(
          `idle CPU over ${total.toLocaleString('en')} handled files: ${ours.toFixed(2)} % of a core vs idle node ${base.toFixed(2)} % (catch-up took ${((settledAt - started) / 1000).toFixed(1)} s; ~0 % passes)`,
        );
        if (sandbox.requests() > 0)
          ctx.report(`  warning: ${sandbox.requests()} uploads were sent for already-known files`);
      } finally {
        idle.kill();
        child.kill('SIGTERM');
        await new Promise((r) => child.on('exit', r));
      }
    });
  } finally {
    await sandbox.close();
  }
}
