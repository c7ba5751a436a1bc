import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerDir } from '../../main/engine/ledger/ledger.js';
import { tokenPrompt } from '../../main/cli/commands/token.js';
import { jpeg } from '../fixtures/scans.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

beforeAll(() => buildCli(), 120_000);

let dir: string;
let cleanup: () => Promise<void>;
/** A port another program holds on 127.0.0.1. */
let taken: Server;
let takenPort: number;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  takenPort = (taken.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => taken.close(r));
  await cleanup();
});

describe('the CLI’s answers to a slip of the keyboard', { timeout: 90_000 }, () => {
  it('reads -once as a misspelt --once, not as the short flag -o', async () => {
    const r = await runCli(['watch', '--config', 'x.json', '-once']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown option "-once": did you mean --once?');
    expect(r.stderr).not.toContain("'-o'");
    expect(r.stderr).toMatch(/usage: concur-drop watch/);
    const help = await runCli(['status', '-help']);
    expect(help.stderr).toContain('did you mean --help?');
  });

  it('suggests the flag or command meant by a close misspelling', async () => {
    const [flag, json, command, far] = await Promise.all([
      runCli(['watch', '--config', 'x.json', '--onec']),
      runCli(['status', '--jsn']),
      runCli(['stauts']),
      runCli(['status', '--colour']),
    ]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('unknown option "--onec": did you mean --once?');
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('did you mean --json?');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "stauts": did you mean "status"?');
    // Nothing close: no guess, still the plain refusal.
    expect(far.code).toBe(2);
    expect(far.stderr).toContain('unknown option "--colour"');
    expect(far.stderr).not.toContain('did you mean');
  });

  it('says in a sentence that a --ui-port is taken, exits 2, and uploads nothing', async () => {
    const root = join(dir, 'Scans');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'receipt.jpg'), jpeg());
    const config = join(dir, 'watch.json');
    // A Concur that is never reached: the run must end before any upload starts.
    await writeFile(
      config,
      JSON.stringify({ concur: { baseUrl: 'http://127.0.0.1:9' }, folders: [{ path: 'Scans' }] }),
    );
    const data = join(dir, 'data');
    const r = await runCli(
      ['watch', '--config', config, '--data-dir', data, '--ui-port', String(takenPort)],
      { env: { CONCUR_DROP_TOKEN: 'unused-token' }, timeoutMs: 30_000 },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `Port ${takenPort} on 127.0.0.1 is already in use by another program. Choose another with --ui-port, or --ui-port 0 for any free port.`,
    );
    expect(r.stderr).not.toMatch(/EADDRINUSE|listen/);
    // Refused before the engine started: no job was even written down.
    expect(await readdir(root)).toEqual(['receipt.jpg']);
    expect(existsSync(ledgerDir(data))).toBe(false);
  });

  it('says the same for the sandbox’s --port', async () => {
    const r = await runCli(['sandbox', '--port', String(takenPort)], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`Port ${takenPort} on 127.0.0.1 is already in use`);
    expect(r.stderr).not.toContain('EADDRINUSE');
  });

  it('refuses a status --data-dir that does not exist, exit 2, creating nothing', async () => {
    const typo = join(dir, 'typo', 'data');
    const r = await runCli(['status', '--data-dir', typo]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`There is no Concur Drop data in ${typo}`);
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  it('names the keys that end input on the user’s system when token set asks for the token', () => {
    expect(tokenPrompt('win32')).toContain('Ctrl-Z');
    expect(tokenPrompt('win32')).not.toContain('Ctrl-D');
    for (const platform of ['linux', 'darwin'] as const) {
      expect(tokenPrompt(platform)).toContain('Ctrl-D');
      expect(tokenPrompt(platform)).not.toContain('Ctrl-Z');
    }
  });
});
