import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { writeFileDurably } from './durable-write.js';
import { isAbsolute, join, resolve } from 'node:path';
import { absolutePath } from './finish/finish.js';
import { Ledger, ledgerDir } from './ledger/ledger.js';
import type { Job } from './types.js';

/**
 * Retry from outside the process that owns the ledger (`concur-drop retry`):
 * the watcher holds the ledger's lock, so a request is left as a file in
 * `<dataDir>/requests/` that the engine applies at start and while it runs,
 * deleting each once applied. Here the ledger is only read, to tell the user
 * at once which names match no job or a job that has not failed.
 */

/** The folder the engine takes requests from. */
export function requestsDir(dataDir: string): string {
  return join(dataDir, 'requests');
}

/** A request's file name (a temp file being written has a leading dot and .tmp: not yet one). */
export function isRequestName(name: string): boolean {
  return /^retry-.*\.json$/.test(name);
}

/** What a retry request file holds. */
export interface RetryRequest {
  /** 'all': every job that failed with a retryable error when the engine applies it. */
  jobs: 'all' | string[];
  /** An entry or invoice batch is sent even without a member that is missing. */
  force: boolean;
}

export interface RetryRequestResult {
  /** Ids of the jobs asked to be sent again. */
  queued: string[];
  /** Names given that match no job. */
  unknown: string[];
  /** Names given whose jobs have not failed (uploaded, waiting…): nothing to retry. */
  notRetryable: string[];
}

/** Shortest start of a job id accepted in place of the whole id. */
const MIN_ID_PREFIX = 8;

function pathOf(job: Job): string {
  return absolutePath(job.root, job.relPath);
}

/** The jobs a name given by the user stands for: a job id, a unique start of one, or a file's path. */
function matching(jobs: Job[], name: string, cwd: string): Job[] {
  const exact = jobs.filter((job) => job.id === name);
  if (exact.length) return exact;
  if (name.length >= MIN_ID_PREFIX) {
    const started = jobs.filter((job) => job.id.startsWith(name));
    if (started.length === 1) return started;
  }
  const path = isAbsolute(name) ? name : resolve(cwd, name);
  return jobs.filter((job) => pathOf(job) === path || job.finalPath === path);
}

/**
 * Asks the engine to send failed jobs again: `which` is 'all' (every job failed
 * with a retryable error) or the names given (ids, or the files' paths: any
 * failed job, as the app's Retry). With `force`, an entry or invoice batch
 * waiting for a named failed file (or, with 'all', for any) goes without it.
 * Writes one request file atomically when anything matched; nothing is
 * written otherwise.
 */
export async function requestRetry(
  dataDir: string,
  which: 'all' | string[],
  options: { force?: boolean; cwd?: string } = {},
): Promise<RetryRequestResult> {
  const ledger = await Ledger.open(ledgerDir(dataDir), { readOnly: true });
  let jobs: Job[];
  try {
    jobs = ledger.all();
  } finally {
    await ledger.close();
  }
  const result: RetryRequestResult = { queued: [], unknown: [], notRetryable: [] };
  if (which === 'all') {
    result.queued = jobs
      .filter(
        (j) => j.state === 'failed' && (j.error?.retryable || (options.force && j.holdsBatch)),
      )
      .map((j) => j.id);
  } else {
    const queued = new Set<string>();
    for (const name of which) {
      const found = matching(jobs, name, options.cwd ?? process.cwd());
      const failed = found.filter((job) => job.state === 'failed');
      if (found.length === 0) result.unknown.push(name);
      else if (failed.length === 0) result.notRetryable.push(name);
      for (const job of failed) queued.add(job.id);
    }
    result.queued = [...queued];
  }
  if (result.queued.length > 0)
    await writeRequest(dataDir, {
      jobs: which === 'all' ? 'all' : result.queued,
      force: options.force ?? false,
    });
  return result;
}

/** Written durably: the engine never reads half a request. */
async function writeRequest(dataDir: string, request: RetryRequest): Promise<string> {
  const dir = requestsDir(dataDir);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `retry-${Date.now()}-${randomBytes(4).toString('hex')}.json`);
  await writeFileDurably(path, JSON.stringify(request) + '\n');
  return path;
}
