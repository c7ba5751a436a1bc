import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { jpeg, pdf } from '../fixtures/scans.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

// The command speaks the language of its environment (LANG, LC_ALL) or of the
// config file's `language`; --json stays English for the tools that read it.

beforeAll(() => buildCli(), 120_000);

const TOKEN = 'language-test-token';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, token: TOKEN });
});
afterAll(() => sandbox.close());

let dir: string;
let cleanup: () => Promise<void>;
let dataDir: string;
let config: string;
const writeConfig = (extra: Record<string, unknown> = {}) =>
  writeFile(
    config,
    JSON.stringify({
      concur: { baseUrl: sandbox.url },
      folders: [{ path: 'Scans' }],
      settleMs: 200,
      batchWindowMs: 500,
      ...extra,
    }),
  );
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  dataDir = join(dir, 'data');
  await mkdir(join(dir, 'Scans', 'entry', 'Taxi [DEMO-ENTRY-0001]'), { recursive: true });
  config = join(dir, 'concur-drop.json');
  await writeConfig();
  await writeFile(join(dir, 'Scans', 'receipt.pdf'), await pdf());
  await writeFile(join(dir, 'Scans', 'empty.pdf'), '');
  sandbox.reset();
});
afterEach(() => cleanup());

const env = (extra: Record<string, string | undefined>) => ({
  CONCUR_DROP_TOKEN: TOKEN,
  LC_ALL: undefined,
  LC_MESSAGES: undefined,
  ...extra,
});
const watchOnce = (extra: Record<string, string | undefined>, flags: string[] = []) =>
  runCli(['watch', '--once', '--config', config, '--data-dir', dataDir, ...flags], {
    env: env(extra),
  });

describe('the CLI in the user’s language', { timeout: 90_000 }, () => {
  it('speaks German with LANG=de_DE.UTF-8: job lines, reasons and the summary', async () => {
    const r = await watchOnce({ LANG: 'de_DE.UTF-8' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/hochgeladen +receipt\.pdf → die Belegablage \(Bild /);
    expect(r.stdout).toMatch(/fehlgeschlagen +empty\.pdf → die Belegablage: Die Datei ist leer\./);
    expect(r.stderr).toContain('1 hochgeladen · 1 fehlgeschlagen');

    // status: the same words, each job with its date (they may be days old), in local time.
    const s = await runCli(['status', '--data-dir', dataDir], {
      env: env({ LANG: 'de_DE.UTF-8' }),
    });
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('1 hochgeladen · 1 fehlgeschlagen');
    const today = new Intl.DateTimeFormat('de-DE', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(Date.now());
    expect(s.stdout).toMatch(
      new RegExp(`${today.replace(/\./g, '\\.')}, \\d\\d:\\d\\d:\\d\\d  hochgeladen`),
    );
  });

  it('says "3 scans merged into one PDF" for the files of one entry, naming it by its full id', async () => {
    const entry = join(dir, 'Scans', 'entry', 'Taxi [DEMO-ENTRY-0001]');
    await Promise.all(
      ['a.jpg', 'b.jpg', 'c.jpg'].map((n, i) => writeFile(join(entry, n), jpeg(2000, i + 1))),
    );
    const r = await watchOnce({ LANG: 'C.UTF-8' });
    expect(r.stdout).toMatch(
      /uploaded +entry\/Taxi \[DEMO-ENTRY-0001\]\/a\.jpg → entry Taxi \[DEMO-ENTRY-0001\] \(3 scans merged into one PDF; image /,
    );
  });

  it('says where the token comes from in Spanish with LC_ALL=es_ES.UTF-8', async () => {
    const r = await runCli(['token', 'check', '--config', config], {
      env: { ...env({}), LANG: 'de_DE.UTF-8', LC_ALL: 'es_ES.UTF-8', CONCUR_DROP_HOME: dataDir },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `Un token para ${new URL(sandbox.url).origin} viene de CONCUR_DROP_TOKEN.`,
    );
  });

  it('follows the config file’s language over the environment’s', async () => {
    await writeConfig({ language: 'fr' });
    const r = await watchOnce({ LANG: 'de_DE.UTF-8' });
    expect(r.stdout).toMatch(
      /échec +empty\.pdf → le dépôt de justificatifs: Le fichier est vide\./,
    );
    expect(r.stderr).toContain('1 envoyé · 1 en échec');
  });

  it('keeps --json in English whatever the language, for the tools that read it', async () => {
    const r = await watchOnce({ LANG: 'ja_JP.UTF-8' }, ['--json']);
    const failed = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; job?: { state: string; error?: unknown } })
      .find((e) => e.event === 'job' && e.job?.state === 'failed');
    expect(failed?.job?.error).toMatchObject({
      reason: 'The file is empty.',
      code: 'empty',
      text: { key: 'fixed.empty' },
    });
  });
});
