import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg, pdf, png } from '../fixtures/scans.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

const TOKEN = 'upload-test-token';
let sandbox: Sandbox;
let dir: string;
let cleanup: () => Promise<void>;
let config: string;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, token: TOKEN });
  ({ dir, cleanup } = await tempDir());
  config = join(dir, 'concur-drop.json');
  await writeFile(config, JSON.stringify({ concur: { baseUrl: sandbox.url } }));
});
afterAll(async () => {
  await sandbox.close();
  await cleanup();
});
beforeEach(() => sandbox.reset());

const upload = (args: string[], token = TOKEN) =>
  runCli(['upload', ...args, '--config', config], {
    env: { CONCUR_DROP_TOKEN: token, CONCUR_DROP_HOME: join(dir, 'data') },
  });

const ids = (stdout: string) => stdout.split('\n').filter((l) => l.trim());

describe('concur-drop upload', { timeout: 90_000 }, () => {
  it('uploads each file to the receipt store and prints one image id per line', async () => {
    await writeFile(join(dir, 'a.jpg'), jpeg(5000, 3));
    await writeFile(join(dir, 'b.pdf'), await pdf());
    const r = await upload([join(dir, 'a.jpg'), join(dir, 'b.pdf')]);
    expect(r.code, r.stderr).toBe(0);
    const received = sandbox.received();
    expect(received.map((x) => x.kind)).toEqual(['receipt', 'receipt']);
    expect(ids(r.stdout)).toEqual(received.map((x) => x.imageId));
  });

  it('merges several files for an entry into one PDF upload', async () => {
    await writeFile(join(dir, 'scan_2.png'), png());
    await writeFile(join(dir, 'scan_10.jpg'), jpeg(3000));
    const r = await upload([
      join(dir, 'scan_10.jpg'),
      join(dir, 'scan_2.png'),
      '--entry',
      'ENTRY-42',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const received = sandbox.received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      kind: 'entry',
      id: 'ENTRY-42',
      contentType: 'application/pdf',
      pdfPages: 2,
    });
    expect(ids(r.stdout)).toEqual([received[0].imageId]);
  });

  it('retries a transient Concur error and still prints the image id', async () => {
    await writeFile(join(dir, 'c.jpg'), jpeg(2000, 5));
    sandbox.inject({ status: 503, retryAfter: 1 });
    const r = await upload([join(dir, 'c.jpg'), '--report', 'R-1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/trying again/);
    expect(ids(r.stdout)).toEqual([sandbox.received()[0].imageId]);
  });

  it('exits 1 naming the file Concur could not take, after uploading the others', async () => {
    await writeFile(join(dir, 'ok.jpg'), jpeg(2000, 9));
    await writeFile(join(dir, 'empty.pdf'), '');
    const r = await upload([join(dir, 'empty.pdf'), join(dir, 'ok.jpg'), join(dir, 'missing.pdf')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/empty\.pdf: The file is empty/);
    expect(r.stderr).toMatch(/missing\.pdf: no such file/);
    expect(ids(r.stdout)).toHaveLength(1);
  });

  it('exits 3 when Concur refuses the token', async () => {
    await writeFile(join(dir, 'd.jpg'), jpeg(2000, 11));
    const r = await upload([join(dir, 'd.jpg')], 'wrong-token-value');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refused the token/);
    expect(r.stdout + r.stderr).not.toContain('wrong-token-value');
    expect(sandbox.received()).toHaveLength(0);
  });
});
