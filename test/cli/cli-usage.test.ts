import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, tempDir } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('concur-drop usage errors exit 2 with a usage line', { timeout: 90_000 }, () => {
  it('lists every command for --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['watch', 'upload', 'status', 'token', 'sandbox', 'demo', 'retry'])
      expect(r.stdout).toContain(`concur-drop ${command}`);
  });

  it('refuses an unknown command', async () => {
    const r = await runCli(['wach']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/unknown command "wach"/);
  });

  it('refuses an unknown flag with the command usage', async () => {
    const r = await runCli(['watch', '--config', 'x.json', '--onse']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--onse/);
    expect(r.stderr).toMatch(/usage: concur-drop watch --config FILE/);
  });

  it('requires --config for watch', async () => {
    const r = await runCli(['watch', '--once']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/watch needs --config FILE/);
  });

  it('refuses a --ui-port that is not a port', async () => {
    const r = await runCli(['watch', '--config', 'x.json', '--ui-port', 'eighty']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--ui-port must be a port number/);
  });

  it('refuses two upload targets at once and a malformed id', async () => {
    const [both, bad] = await Promise.all([
      runCli(['upload', 'a.pdf', '--report', 'R1', '--entry', 'E1']),
      runCli(['upload', 'a.pdf', '--entry', 'no spaces/here']),
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/choose one of --report, --entry or --invoice/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not a Concur id/);
  });

  it('refuses upload without files and token without an action', async () => {
    const [noFiles, noAction, onCommandLine] = await Promise.all([
      runCli(['upload']),
      runCli(['token']),
      runCli(['token', 'set', 'secret-on-argv']),
    ]);
    expect(noFiles.code).toBe(2);
    expect(noAction.code).toBe(2);
    expect(onCommandLine.code).toBe(2);
    expect(onCommandLine.stderr).toMatch(/read from stdin/);
  });

  it('prints help for each command with exit 0', async () => {
    const commands = ['watch', 'upload', 'status', 'token', 'sandbox', 'demo', 'retry'];
    const results = await Promise.all(commands.map((c) => runCli([c, '--help'])));
    commands.forEach((command, i) => {
      expect(results[i].code, command).toBe(0);
      expect(results[i].stdout, command).toContain(`usage: concur-drop ${command}`);
    });
  });
});

describe('concur-drop config errors exit 2 naming the problem', { timeout: 90_000 }, () => {
  async function watchWith(config: string) {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, config);
    return runCli(['watch', '--once', '--config', file, '--data-dir', join(dir, 'data')]);
  }

  it('names an unknown key', async () => {
    const r = await watchWith(JSON.stringify({ folders: [{ path: 'in' }], afterUplod: 'move' }));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/unknown key "afterUplod"/);
  });

  it('names the key of a bad value', async () => {
    const r = await watchWith(JSON.stringify({ folders: [{ path: 'in' }], afterUpload: 'shred' }));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/afterUpload:/);
  });

  it('gives the position of invalid JSON', async () => {
    const r = await watchWith('{ "folders": [ { "path": "in" } ] ,, }');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON.*line 1 column/);
  });

  it('says so when the config file is missing', async () => {
    const r = await runCli(['watch', '--once', '--config', join(dir, 'nope.json')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/Cannot read the config file .*nope\.json/);
  });

  it('refuses a config without folders to watch', async () => {
    const r = await watchWith('{}');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/lists no folders/);
  });

  it('refuses plain http to a remote Concur host', async () => {
    const r = await watchWith(
      JSON.stringify({
        concur: { baseUrl: 'http://concur.example.com' },
        folders: [{ path: 'in' }],
      }),
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/concur\.baseUrl: must use https/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
