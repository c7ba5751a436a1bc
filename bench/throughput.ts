import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../main/sandbox/sandbox.js';
import { jpeg } from '../test/fixtures/scans.js';
import { exitOf, startCli, TOKEN, withTempDir, writeConfig, type BenchContext } from './lib.js';

/**
 * DESIGN §9: a backlog of 500 × 300 KB receipts through the built CLI
 * (`watch --once`) against `curl` processes with the same concurrency posting
 * the same files to the same sandbox. Throughput is counted between the first
 * and the last image the sandbox accepted, so neither side's start-up counts.
 */

const CONCURRENCY = 2;
const SIZE = 300 * 1024;

export async function throughputBench(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 100 : 500;
  const sandbox = await startSandbox({ port: 0, token: TOKEN });
  try {
    await withTempDir('throughput', async (dir) => {
      const scans = join(dir, 'Scans');
      await mkdir(scans);
      const files: string[] = [];
      for (let i = 0; i < count; i++) {
        const file = join(scans, `receipt-${i}.jpg`);
        await writeFile(file, jpeg(SIZE, 5000 + i));
        files.push(file);
      }

      // Baseline first, while the files are still in place: curl, CONCURRENCY workers.
      sandbox.reset();
      await curlAll(files, sandbox.url);
      const curlRate = rate(sandbox, count, 'curl');

      sandbox.reset();
      const config = await writeConfig(dir, sandbox.url, { settleMs: 0, concurrency: CONCURRENCY });
      await exitOf(startCli(['watch', '--once', '--config', config], join(dir, 'data')));
      const ourRate = rate(sandbox, count, 'concur-drop');

      ctx.report(
        `backlog ${count} × 300 KB, concurrency ${CONCURRENCY}: concur-drop ${ourRate.toFixed(1)} files/s vs curl ${curlRate.toFixed(1)} files/s → ${(ourRate / curlRate).toFixed(2)}× (≥ 0.8 passes)`,
      );
    });
  } finally {
    await sandbox.close();
  }
}

function rate(sandbox: Sandbox, count: number, who: string): number {
  const received = sandbox.received();
  if (received.length !== count)
    throw new Error(`${who} uploaded ${received.length} of ${count} files`);
  const seconds = (received[count - 1].at - received[0].at) / 1000;
  return (count - 1) / Math.max(seconds, 0.001);
}

async function curlAll(files: string[], baseUrl: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      await new Promise<void>((resolve, reject) => {
        const curl = spawn(
          'curl',
          [
            '-sS',
            '-o',
            '/dev/null',
            '--fail',
            '--data-binary',
            `@${file}`,
            '-H',
            `Authorization: OAuth ${TOKEN}`,
            '-H',
            'Content-Type: image/jpeg',
            '-H',
            'Accept: application/xml',
            `${baseUrl}/api/image/v1.0/receipt`,
          ],
          { stdio: 'ignore' },
        );
        curl.on('error', reject);
        curl.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`curl exited ${code}`)),
        );
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}
