import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Sandbox } from '../main/sandbox/sandbox.js';
import { cliNodeFlags } from '../scripts/cli-flags.js';
import { jpeg } from '../test/fixtures/scans.js';

/** Shared pieces of the benchmarks: the built CLI, temp folders, percentiles, /proc readings. */

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'out/cli/concur-drop.js');
export const TOKEN = 'bench-token';
/** The engine's default, written out so the baselines use the same number of connections. */
export const CONCURRENCY = 2;
/** The request every uploader sends for a receipt, as the engine sends it (docs/architecture.md#concurs-rules). */
export const RECEIPT_PATH = '/api/image/v1.0/receipt';
export const RECEIPT_HEADERS = {
  authorization: `OAuth ${TOKEN}`,
  accept: 'application/xml',
  'content-type': 'image/jpeg',
};

export interface BenchContext {
  quick: boolean;
  /** Prints one result line: `name: value … (ratio ×)` */
  report(line: string): void;
}

/** A temp folder for one benchmark, removed afterwards. */
export async function withTempDir<T>(name: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `concur-drop-bench-${name}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes a config file for a watched `Scans` folder next to it. */
export async function writeConfig(
  dir: string,
  baseUrl: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const file = join(dir, 'concur-drop.json');
  await writeFile(
    file,
    JSON.stringify({ concur: { baseUrl }, folders: [{ path: 'Scans' }], ...extra }),
  );
  return file;
}

/**
 * Starts the built CLI as the `concur-drop` command does: node with the flags
 * of the CLI's first line (`#!/usr/bin/env -S node …`), with the bench token
 * and its own data dir; `nodeArgs` go to node too (--cpu-prof is not allowed
 * in NODE_OPTIONS, so the first line is read rather than run).
 */
export function startCli(args: string[], dataDir: string, nodeArgs: string[] = []): ChildProcess {
  const flags = [...cliNodeFlags(CLI), ...nodeArgs];
  return spawn(process.execPath, [...flags, CLI, ...args, '--data-dir', dataDir], {
    env: { ...process.env, CONCUR_DROP_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the exit code; collects stderr for error messages. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  return new Promise((res, rej) =>
    child.on('exit', (code) =>
      code === 0 || code === null
        ? res(code)
        : rej(new Error(`concur-drop exited ${code}: ${stderr}`)),
    ),
  );
}

/** Writes `count` distinct JPEG receipts of `bytes` each into `folder`; returns their paths. */
export async function writeReceipts(
  folder: string,
  count: number,
  bytes: number,
): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(folder, `receipt-${String(i).padStart(5, '0')}.jpg`);
    await writeFile(file, jpeg(bytes, 5000 + i)); // distinct seeds: no upload is a duplicate
    files.push(file);
  }
  return files;
}

/**
 * Files per second between the first and the last image the sandbox accepted,
 * so no uploader's start-up (process launch, first scan of the folder) counts.
 */
export function uploadRate(sandbox: Sandbox, count: number, who: string): number {
  const received = sandbox.received();
  if (received.length !== count)
    throw new Error(`${who} uploaded ${received.length} of ${count} files`);
  const seconds = (received[count - 1].at - received[0].at) / 1000;
  return (count - 1) / Math.max(seconds, 0.001);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Peak resident set (VmHWM) of a live Linux process, in bytes; null when /proc cannot tell. */
export function peakRss(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status);
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a Linux process has used, in ms; null when /proc cannot tell. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * Reads a live process's CPU time every 50 ms, so the total is known once it
 * has exited (/proc forgets it then); `stop()` gives the last reading.
 */
export function followCpu(pid: number): { stop(): number | null } {
  let last = cpuMs(pid);
  const timer = setInterval(() => (last = cpuMs(pid) ?? last), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return last;
    },
  };
}

/** `CPU 1.23 ms/file`, or nothing when the CPU time is unknown. */
export const cpuPerFile = (ms: number | null, files: number) =>
  ms === null ? '' : ` (CPU ${(ms / files).toFixed(2)} ms/file)`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is truthy. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const ratio = (value: number) => `${value.toFixed(2)}×`;
