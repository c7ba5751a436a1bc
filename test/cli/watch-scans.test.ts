import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { receipt, tiff } from '../fixtures/scan-formats.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

/** The built command converts with the preparing worker it ships beside its bundle. */

beforeAll(() => buildCli(), 120_000);

const TOKEN = 'watch-scans-token';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, token: TOKEN });
});
afterAll(() => sandbox.close());

describe('concur-drop watch --once with scans in other formats', { timeout: 90_000 }, () => {
  it('converts a multi-page G4 TIFF to one PDF and exits 0', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const root = join(dir, 'Scans');
      await mkdir(root);
      const config = join(dir, 'concur-drop.json');
      await writeFile(
        config,
        JSON.stringify({
          concur: { baseUrl: sandbox.url },
          folders: [{ path: 'Scans' }],
          settleMs: 200,
        }),
      );
      await writeFile(
        join(root, 'fax.tif'),
        await tiff([await receipt(1), await receipt(2)], { g4: true }),
      );
      const r = await runCli(
        ['watch', '--once', '--json', '--config', config, '--data-dir', join(dir, 'data')],
        { env: { CONCUR_DROP_TOKEN: TOKEN } },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('converted from TIFF (2 pages)');
      const [image] = sandbox.received();
      expect(image.contentType).toBe('application/pdf');
      expect(image.pdfPages).toBe(2);
      expect(existsSync(join(root, 'Uploaded', 'fax.tif'))).toBe(true);
    } finally {
      await cleanup();
    }
  });
});
