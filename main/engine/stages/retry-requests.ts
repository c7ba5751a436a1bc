import { join } from 'node:path';
import { isRequestName, requestsDir, type RetryRequest } from '../retry-request.js';
import type { StageContext } from './context.js';

/**
 * Retry asked for from outside the running engine: `concur-drop retry`
 * writes a request file into `<dataDir>/requests/` (it cannot touch the
 * ledger a watcher holds). The engine applies each at start and every few
 * seconds while running, then deletes it.
 */

const DEFAULT_EVERY_MS = 2000;

export class RetryRequests {
  private timer: unknown;
  private stopped = false;

  constructor(
    private readonly ctx: StageContext,
    private readonly retry: (jobId: string) => Promise<boolean>,
    /** `--force`: a batch waiting for this failed file goes without it. */
    private readonly sendWithout: (jobId: string) => Promise<boolean>,
    private readonly everyMs = DEFAULT_EVERY_MS,
  ) {}

  start(): void {
    void this.ctx.track(this.check());
  }

  stop(): void {
    this.stopped = true;
    this.ctx.clock.clearTimeout(this.timer);
  }

  private get dir(): string {
    return requestsDir(this.ctx.dataDir);
  }

  private async check(): Promise<void> {
    try {
      const entries = await this.ctx.fs.list(this.dir).catch(() => []);
      for (const entry of entries) {
        if (this.stopped) return;
        if (entry.kind !== 'file' || !isRequestName(entry.name)) continue;
        await this.apply(join(this.dir, entry.name));
      }
    } finally {
      if (!this.stopped) this.timer = this.ctx.clock.setTimeout(() => this.start(), this.everyMs);
    }
  }

  private async apply(path: string): Promise<void> {
    const { ctx } = this;
    let request: RetryRequest | undefined;
    try {
      request = JSON.parse(await readText(ctx, path)) as RetryRequest;
    } catch (err) {
      ctx.log.warn('an unreadable retry request was dropped', { path, error: err });
    }
    // Removed first: a request that cannot be applied must not be tried again for ever.
    await ctx.fs.remove(path);
    if (!request) return;
    const force = request.force === true;
    const ids =
      request.jobs === 'all'
        ? ctx.book
            .inStates(['failed'])
            .filter((j) => j.error?.retryable || (force && j.holdsBatch))
            .map((j) => j.id)
        : Array.isArray(request.jobs)
          ? request.jobs.filter((id) => typeof id === 'string')
          : [];
    let n = 0;
    for (const id of ids) {
      const sendWithout = force && ctx.book.get(id)?.holdsBatch;
      if (await (sendWithout ? this.sendWithout(id) : this.retry(id))) n++;
    }
    ctx.log.info('applied a retry request', { asked: ids.length, retried: n });
  }
}

async function readText(ctx: StageContext, path: string): Promise<string> {
  const handle = await ctx.fs.open(path);
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.allocUnsafe(64 * 1024);
    for (let pos = 0; ;) {
      const n = await handle.read(buffer, 0, buffer.length, pos);
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      pos += n;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
}
