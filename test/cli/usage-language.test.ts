import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, ledgerDir } from '../../main/engine/ledger/ledger.js';
import { buildCli, exited, runCli, spawnCli, tempDir, until } from './cli-harness.js';

// Usage, --help and the words of retry, sandbox and demo come from the catalogs
// like every other line: a German environment reads German, the syntax stays as typed.

beforeAll(() => buildCli(), 120_000);

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('concur-drop-usage-language-'));
});
afterAll(() => cleanup());

const german = { LANG: 'de_DE.UTF-8', LC_ALL: undefined, LC_MESSAGES: undefined };
const inGerman = (args: string[]) => runCli(args, { env: german });

describe('usage and help in the user’s language', { timeout: 90_000 }, () => {
  it('prints the overview in German with LANG=de_DE.UTF-8, the command lines as typed', async () => {
    const r = await inGerman(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('lädt gescannte Belege und Rechnungen zu SAP Concur hoch');
    expect(r.stdout).toContain('"concur-drop BEFEHL --help" erklärt einen Befehl.');
    expect(r.stdout).toContain('  concur-drop watch --config FILE [--data-dir DIR]');
    expect(r.stdout).not.toContain('uploads receipt and invoice scans');
  });

  it('prints the overview in Japanese with LANG=ja_JP.UTF-8', async () => {
    const r = await runCli(['--help'], { env: { ...german, LANG: 'ja_JP.UTF-8' } });
    expect(r.stdout).toContain('スキャンした領収書と請求書を SAP Concur にアップロードします');
  });

  it('explains each command in German, flags named as typed', async () => {
    const [watch, retry, sandbox, demo, signout] = await Promise.all(
      ['watch', 'retry', 'sandbox', 'demo', 'signout'].map((c) => inGerman([c, '--help'])),
    );
    expect(watch.stdout).toMatch(/^Aufruf: concur-drop watch --config FILE/);
    expect(watch.stdout).toContain('--once           die jetzt vorhandenen Dateien bearbeiten');
    expect(retry.stdout).toContain('Sendet fehlgeschlagene Aufträge erneut.');
    expect(sandbox.stdout).toContain('ohne Concur-Konto auszuprobieren. Läuft bis Strg-C.');
    expect(demo.stdout).toContain('Concur Drop ohne Concur-Konto ausprobieren');
    expect(signout.stdout).toContain('Widerruft die Verbindung des Kontos bei Concur');
  });

  it('says usage mistakes in German and still exits 2', async () => {
    const [unknown, flag, port, retry, lifetime] = await Promise.all([
      inGerman(['wach']),
      inGerman(['watch', '-once']),
      inGerman(['sandbox', '--port', 'achtzig']),
      inGerman(['retry']),
      inGerman(['sandbox', '--token-lifetime', 'lang']),
    ]);
    for (const r of [unknown, flag, port, retry, lifetime]) expect(r.code, r.stderr).toBe(2);
    expect(unknown.stderr).toContain('unbekannter Befehl "wach": meinten Sie "watch"?');
    expect(flag.stderr).toContain('unbekannte Option "-once": meinten Sie --once?');
    expect(flag.stderr).toContain('Aufruf: concur-drop watch --config FILE');
    expect(port.stderr).toContain('--port muss eine Portnummer sein (0–65535), nicht "achtzig"');
    expect(retry.stderr).toContain('nennen Sie die Aufträge, die erneut gesendet werden sollen');
    expect(lifetime.stderr).toContain('--token-lifetime muss eine Zahl von Sekunden sein');
  });

  it('says upload, watch and data-dir mistakes in German, flags and keys as typed', async () => {
    const typo = join(dir, 'no-such-data');
    const [upload, target, watch, status] = await Promise.all([
      inGerman(['upload']),
      inGerman(['upload', 'a.pdf', '--entry', 'a b']),
      inGerman(['watch', '--once']),
      inGerman(['status', '--data-dir', typo]),
    ]);
    expect(upload.stderr).toContain('upload braucht mindestens eine FILE');
    expect(target.stderr).toContain('--entry "a b" ist keine Concur-ID');
    expect(watch.stderr).toContain('watch braucht --config FILE');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain(`In ${typo} gibt es keine Daten von Concur Drop`);
  });
});

describe('retry, sandbox and demo in German', { timeout: 90_000 }, () => {
  it('retry says what it requested and what it could not find', async () => {
    const dataDir = join(dir, 'data');
    const ledger = await Ledger.open(ledgerDir(dataDir));
    for (const [id, name] of [
      ['aaaaaaaa-1111-4000-8000-000000000001', 'taxi.pdf'],
      ['bbbbbbbb-2222-4000-8000-000000000002', 'hotel.pdf'],
    ])
      await ledger.put({
        id,
        root: join(dir, 'Scans'),
        relPath: name,
        name,
        target: { kind: 'receipt' },
        state: 'failed',
        attempts: 1,
        createdAt: 1_700_000_000_000,
        updatedAt: 1_700_000_000_000,
        error: { reason: 'Concur could not be reached.', retryable: true, code: 'gave-up' },
      });
    await ledger.close();
    const r = await inGerman(['retry', '--data-dir', dataDir, 'aaaaaaaa', 'bbbbbbbb', 'nix']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Erneuter Versuch für 2 Aufträge angefordert.');
    expect(r.stderr).toContain(`Kein Auftrag "nix" in ${dataDir}.`);
  });

  it('the sandbox tells how to use it in German', async () => {
    const child = spawnCli(['sandbox', '--port', '0', '--token', 'de-token'], { env: german });
    await until(() => child.out.stdout.includes('Strg-C beendet sie.'), 20_000, 'the sandbox');
    expect(child.out.stdout).toMatch(/Concur-Sandbox wartet auf http:\/\/127\.0\.0\.1:\d+/);
    expect(child.out.stdout).toContain(
      'Sie nimmt das Token "de-token" an: verwenden Sie CONCUR_DROP_TOKEN=de-token und',
    );
    child.kill('SIGINT');
    expect((await exited(child, 20_000)).code).toBe(0);
  });

  it('the demo guides in German, on screen and in its README.txt', async () => {
    const child = spawnCli(['demo'], { cwd: dir, env: german });
    try {
      await until(() => child.out.stdout.includes('Strg-C beendet die Demo.'), 30_000, 'the demo');
      const scans = join(dir, 'concur-drop-demo', 'Scans');
      expect(child.out.stdout).toContain(`Legen Sie ein PDF/JPEG/PNG in ${scans}`);
      expect(child.out.stdout).toMatch(/Concur-Drop-Demo: eine lokale Concur-Sandbox läuft auf/);
      const guide = await readFile(join(dir, 'concur-drop-demo', 'README.txt'), 'utf8');
      expect(guide).toContain('an den Spesenposten "Taxi" angehängt');
      expect(guide).not.toContain('Drop one into');
    } finally {
      child.kill('SIGINT');
      await exited(child, 20_000);
    }
  });
});

describe('the organisation’s policy in German', { timeout: 90_000 }, () => {
  it('a broken policy stops the command in German, its keys named as IT wrote them', async () => {
    const policy = join(dir, 'policy.json');
    await writeFile(policy, JSON.stringify({ settings: { concur: { baseUrl: 'ftp://files' } } }));
    const config = join(dir, 'policy-config.json');
    await writeFile(config, JSON.stringify({ folders: [] }));
    const r = await runCli(['upload', join(dir, 'a.png'), '--config', config], {
      env: { ...german, CONCUR_DROP_POLICY: policy, CONCUR_DROP_HOME: join(dir, 'policy-data') },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `Die Richtlinie Ihrer Organisation (${policy}) kann nicht verwendet werden:\n  settings.concur.baseUrl: must use https`,
    );
  });
});

describe('token and signin in German', { timeout: 90_000 }, () => {
  it('says token and sign-in mistakes in German, the config key still named', async () => {
    const config = join(dir, 'token-config.json');
    await writeFile(config, JSON.stringify({ folders: [] }));
    const home = { CONCUR_DROP_HOME: join(dir, 'token-data') };
    const [none, extra, notOAuth2, secret] = await Promise.all([
      runCli(['token'], { env: german }),
      runCli(['token', 'set', 'abc'], { env: german }),
      runCli(['signin', '--config', config], { env: { ...german, ...home } }),
      runCli(['token', 'set', '--client-secret', '--config', config], {
        env: { ...german, ...home },
      }),
    ]);
    expect(none.stderr).toContain('token braucht set, clear oder check');
    expect(extra.stderr).toContain('das Token wird von stdin gelesen, nie von der Befehlszeile');
    expect(notOAuth2.code).toBe(2);
    expect(notOAuth2.stderr).toContain(
      'Die Konfiguration meldet sich nicht mit OAuth2 an: Fügen Sie "concur": {"oauth2"',
    );
    expect(secret.stderr).toContain('ein Client-Secret gehört zu einer OAuth2-Anmeldung');
  });
});
