import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '../fixtures/scans.js';
import { buildCli, exited, spawnCli, tempDir, until } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

describe('concur-drop sandbox', { timeout: 90_000 }, () => {
  it('answers an image POST like Concur and stops cleanly on SIGINT', async () => {
    const child = spawnCli(['sandbox', '--port', '0', '--token', 'sandbox-cli-token']);
    const url = await until(
      () =>
        child.out.stdout.includes('Ctrl-C') &&
        /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(child.out.stdout)?.[1],
      20_000,
      'the sandbox URL',
    );
    expect(child.out.stdout).toContain('sandbox-cli-token');
    const body = jpeg(2000);
    const res = await fetch(`${url}/api/image/v1.0/receipt`, {
      method: 'POST',
      headers: {
        Authorization: 'OAuth sandbox-cli-token',
        'Content-Type': 'image/jpeg',
        Accept: 'application/xml',
      },
      body,
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toMatch(/<Image[^>]*>.*<Id>[^<]+<\/Id>/s);
    child.kill('SIGINT');
    expect((await exited(child, 20_000)).code).toBe(0);
  });
});

describe('concur-drop demo', { timeout: 90_000 }, () => {
  it('creates the example folders, uploads a dropped scan to the sandbox and exits 0 on Ctrl-C', async () => {
    const { dir, cleanup } = await tempDir('concur-drop-demo-');
    try {
      const child = spawnCli(['demo'], { cwd: dir });
      await until(
        () => child.out.stderr.includes('Watching'),
        30_000,
        'the demo to start watching',
      );
      const scans = join(dir, 'concur-drop-demo', 'Scans');
      expect(child.out.stdout).toContain(`Drop a PDF/JPEG/PNG into ${scans}`);
      for (const folder of [
        'report/Berlin trip [DEMO-REPORT-1]',
        'entry/Taxi [DEMO-ENTRY-1]',
        'invoice/Acme [DEMO-INV-1]',
      ])
        expect(existsSync(join(scans, folder)), folder).toBe(true);
      expect(await readFile(join(dir, 'concur-drop-demo', 'README.txt'), 'utf8')).toMatch(
        /Drop a PDF/,
      );

      await writeFile(
        join(scans, 'report', 'Berlin trip [DEMO-REPORT-1]', 'hotel.jpg'),
        jpeg(3000),
      );
      await until(
        () =>
          existsSync(join(scans, 'Uploaded', 'report', 'Berlin trip [DEMO-REPORT-1]', 'hotel.jpg')),
        30_000,
        'the scan to be uploaded',
      );
      // Signed in through the sandbox's OAuth2 service, as the demo's own user.
      expect(child.out.stdout).toContain('Signed in to the sandbox as Alice Example');
      expect(child.out.stdout).toMatch(
        /uploaded +report\/Berlin trip \[DEMO-REPORT-1\]\/hotel\.jpg → report Berlin trip/,
      );
      child.kill('SIGINT');
      const r = await exited(child, 20_000);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await cleanup();
    }
  });
});
