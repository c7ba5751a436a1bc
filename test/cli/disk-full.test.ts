import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg } from '../fixtures/scans.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

const TOKEN = 'disk-full-test-token';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, token: TOKEN });
});
afterAll(() => sandbox.close());

describe('concur-drop watch --once on a full data disk', () => {
  it('ends promptly with exit 1, saying the disk is full, and a later run sends each scan once', async (context) => {
    const { dir, cleanup } = await tempDir();
    const dataDir = join(dir, 'data');
    await mkdir(join(dir, 'Scans'));
    await mkdir(dataDir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dataDir], {
        stdio: 'pipe',
      });
    } catch (error) {
      await cleanup();
      const why = `cannot mount a small tmpfs here (needs root): ${String(error).split('\n')[0]}`;
      console.warn(`skipped: ${why}`);
      context.skip(why);
    }
    try {
      const config = join(dir, 'concur-drop.json');
      await writeFile(
        config,
        JSON.stringify({
          concur: { baseUrl: sandbox.url },
          folders: [{ path: 'Scans' }],
          settleMs: 0,
        }),
      );
      for (let i = 0; i < 30; i++)
        await writeFile(join(dir, 'Scans', `r${i}.jpg`), jpeg(1500, 300 + i));
      // The data folder's disk is nearly full when the watcher starts.
      const filler = join(dataDir, 'filler');
      await writeFile(filler, Buffer.alloc(250 * 1024)).catch(() => undefined);
      const env = { CONCUR_DROP_TOKEN: TOKEN };
      const args = ['watch', '--once', '--config', config, '--data-dir', dataDir];
      const started = Date.now();
      const full = await runCli(args, { env, timeoutMs: 30_000 });
      expect(full.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(full.stderr).toMatch(/disk .*is full/);
      expect(full.stderr).not.toMatch(/ENOSPC/);

      await rm(filler);
      const after = await runCli(args, { env, timeoutMs: 30_000 });
      expect(after.code).toBe(0);
      const sent = sandbox.received().map((r) => r.sha256);
      expect(new Set(sent).size).toBe(30);
    } finally {
      execFileSync('umount', ['-l', dataDir]);
      await cleanup();
    }
  }, 90_000);
});
