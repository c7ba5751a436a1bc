import { isAlive } from '../../main/engine/ledger/lock.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll } from 'vitest';

/**
 * Runs the real, built `concur-drop` command as a child process, so every
 * test sees real exits, signals and stdio. The CLI is built once per vitest
 * run (the first test file to get there builds, the others wait for it) into
 * out/cli-test-<run>/, so parallel test files never build over each other.
 */

const ROOT = resolve(import.meta.dirname, '../..');
let entry: string | null = null;

// Test files of one run share a parent process (the vitest run or its pool):
// its pid, plus its start time where Linux tells it (pids get reused), names the build.
const RUN = `${process.ppid}-${startTime(process.ppid)}`;

function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '0';
  } catch {
    return '0';
  }
}

/** Builds the CLI for this run with the project's vite.cli.config.ts, or waits for another file's build. */
export async function buildCli(): Promise<void> {
  const outDir = join(ROOT, 'out', `cli-test-${RUN}`);
  const built = join(outDir, '.built');
  try {
    await mkdir(`${outDir}.lock`, { recursive: false });
  } catch {
    await until(() => existsSync(built), 120_000, 'the CLI build of another test file');
    entry = join(outDir, 'concur-drop.js');
    return;
  }
  await removeOldBuilds();
  await build({
    configFile: join(ROOT, 'vite.cli.config.ts'),
    root: ROOT,
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  entry = join(outDir, 'concur-drop.js');
  await chmod(entry, 0o755); // as npm does for a package's bin
  await writeFile(built, '');
}

// A build stays while the process that made it lives (its files may still be
// running tests); builds of finished runs are removed by the next run.
async function removeOldBuilds(): Promise<void> {
  for (const name of await readdir(join(ROOT, 'out')).catch(() => [] as string[])) {
    const run = /^cli-test-(\d+)-\d+(\.lock)?$/.exec(name);
    if (run && !isAlive(Number(run[1])))
      await rm(join(ROOT, 'out', name), { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  /** Run as this user (needs root): how a test meets permissions that root ignores. */
  uid?: number;
  gid?: number;
}

/** The built `concur-drop.js` of this run (after buildCli()). */
export function builtCli(): string {
  if (!entry) throw new Error('call buildCli() in beforeAll first');
  return entry;
}

/** A child env without any token or data dir of the developer's own. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CONCUR_DROP_TOKEN;
  delete env.CONCUR_DROP_HOME;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

// A test that fails half-way must not leave a watcher or sandbox running.
const live = new Set<ChildProcess>();
afterAll(() => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts the CLI as the `concur-drop` command does: the built file itself,
 * whose first line starts node with the CLI's flags. stdout/stderr are
 * collected on the returned process.
 */
export function spawnCli(args: string[], options: CliOptions = {}): Spawned {
  if (!entry) throw new Error('call buildCli() in beforeAll first');
  const child = spawn(entry, args, {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  }) as Spawned;
  const out: Output = { stdout: '', stderr: '' };
  child.out = out;
  // Listened for from the start: a CLI that finishes before its test waits for it has ended too.
  child.closed = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, ...out })),
  );
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  child.stdin!.end(options.input ?? '');
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

interface Output {
  stdout: string;
  stderr: string;
}

type Spawned = ChildProcess & { out: Output; closed: Promise<CliResult> };

/** Waits for the child to exit and its pipes to drain ('close' comes after both). */
export function exited(child: Spawned, timeoutMs = 60_000): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `concur-drop did not exit within ${timeoutMs} ms\nstdout: ${child.out.stdout}\nstderr: ${child.out.stderr}`,
        ),
      );
    }, timeoutMs);
  });
  return Promise.race([child.closed, late]).finally(() => clearTimeout(timer));
}

/** Runs the CLI to completion. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return exited(spawnCli(args, options), options.timeoutMs);
}

/** Polls until `check` returns a truthy value. */
export async function until<T>(
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  what: string | (() => string) = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A temp folder removed by the returned cleanup. */
export async function tempDir(
  prefix = 'concur-drop-cli-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
