import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_FILE, ledgerDir } from '../main/engine/ledger/ledger.js';
import type { Job } from '../main/engine/types.js';

/** A year of old receipts under `<dir>/Old scans`: what a long-used installation has behind it. */
export function* oldScans(
  dir: string,
  records: number,
): Generator<Pick<Job, 'root' | 'relPath' | 'size' | 'mtimeMs'>> {
  for (let i = 0; i < records; i++)
    yield {
      root: join(dir, 'Old scans'),
      relPath: `2025/receipt-${i}.pdf`,
      size: 120_000 + i,
      mtimeMs: 1.7e12 + i,
    };
}

/**
 * Writes a ledger journal as a long-used installation would have it: one
 * finished job per line, moved to Uploaded/ (record version 2; `version: 1`
 * writes the lines the previous version wrote, without phase or disposition).
 */
export async function writeLedger(
  dataDir: string,
  jobs: Iterable<Partial<Job> & Pick<Job, 'root' | 'relPath'>>,
  version: 1 | 2 = 2,
): Promise<number> {
  const dir = ledgerDir(dataDir);
  await mkdir(dir, { recursive: true });
  const handle = await open(join(dir, JOURNAL_FILE), 'w');
  let count = 0;
  let lines: string[] = [];
  const now = Date.now();
  try {
    for (const partial of jobs) {
      const sha256 = createHash('sha256')
        .update(`${partial.root}/${partial.relPath}`)
        .digest('hex');
      const job: Job & { v?: 2 } = {
        ...(version === 2 ? { v: 2 as const } : {}),
        id: randomUUID(),
        name: partial.relPath.split('/').pop()!,
        target: { kind: 'receipt' },
        state: 'uploaded',
        attempts: 1,
        sha256,
        contentType: 'image/jpeg',
        imageId: sha256.slice(0, 20).toUpperCase(),
        createdAt: now - 1000,
        updatedAt: now,
        finishedAt: now,
        finalPath: `${partial.root}/Uploaded/${partial.relPath}`,
        ...(version === 2 ? { phase: 'done' as const, disposition: 'moved' as const } : {}),
        ...partial,
      };
      lines.push(JSON.stringify(job) + '\n');
      count++;
      if (lines.length === 5000) {
        await handle.write(lines.join(''));
        lines = [];
      }
    }
    await handle.write(lines.join(''));
  } finally {
    await handle.close();
  }
  return count;
}
