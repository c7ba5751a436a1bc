import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Core } from './core.js';
import { failJobs, reasonOnly } from './finish/endings.js';
import { absolutePath } from './finish/finish.js';
import { MAX_IMAGE_BYTES } from './inspect/inspect.js';
import type { EngineJob } from './job-book.js';
import { mergeToPdf, naturalCompare } from './merge/merge-pdf.js';
import { describeTarget, targetKey } from './routing/route.js';
import type { JobError, UploadTarget } from './types.js';

/**
 * What happens when an entry's or invoice's merge window closes (DESIGN
 * §3.4): one file goes up as it is; several become one PDF (natural name
 * order) staged in the data dir, never in a watched folder; a target that
 * already has its image, or a merged PDF over 10 MB, fails every member.
 */

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Entry X already has an image in Concur; Concur allows one image per entry." */
export function alreadyHasImage(target: UploadTarget, fromConcur?: Partial<JobError>): JobError {
  return {
    ...fromConcur,
    reason: `${capitalized(describeTarget(target))} already has an image in Concur; Concur allows one image per ${target.kind}.`,
    retryable: false,
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Called when the merge window of `key` closes with these ready jobs. */
export async function mergeBatch(core: Core, key: string, jobIds: string[]): Promise<void> {
  const jobs = jobIds
    .map((id) => core.book.live.get(id))
    .filter((j): j is EngineJob => j !== undefined && j.state === 'waiting' && !!j.target);
  if (!jobs.length || core.stopping) return;
  const target = jobs[0].target as UploadTarget;
  if (core.book.imaged.has(key)) return failJobs(core, jobs, alreadyHasImage(target));
  if (core.queue.items().some((u) => targetKey(u.target) === key)) {
    // An earlier batch for this target is still going up: decide once it is answered.
    for (const job of jobs) core.batches.add(key, job.id);
    return;
  }
  if (jobs.length === 1) {
    const [job] = jobs;
    const path = absolutePath(job.root, job.relPath);
    return core.enqueue({
      id: randomUUID(),
      jobIds: [job.id],
      target,
      path,
      contentType: job.contentType!,
      staged: false,
    });
  }
  jobs.sort((a, b) => naturalCompare(a.relPath, b.relPath));
  const batchId = randomUUID();
  const what = describeTarget(target);
  for (const job of jobs) {
    await core.book.save(job, {
      batchId,
      detail: `merging ${jobs.length} files into one PDF for ${what}`,
    });
  }
  const out = join(core.dataDir, 'staging', `${batchId}.pdf`);
  let merged;
  try {
    merged = await mergeToPdf(
      jobs.map((j) => ({ path: absolutePath(j.root, j.relPath), contentType: j.contentType! })),
      out,
    );
  } catch (err) {
    await rm(out, { force: true });
    const why = err instanceof Error ? err.message : String(err);
    return failJobs(
      core,
      jobs,
      reasonOnly(`The files for ${what} could not be merged into one PDF: ${why}`),
    );
  }
  if (merged.size > MAX_IMAGE_BYTES) {
    await rm(out, { force: true });
    return failJobs(
      core,
      jobs,
      reasonOnly(
        `Together, the ${jobs.length} files for ${what} make a ${megabytes(merged.size)} PDF; Concur accepts at most 10 MB per ${target.kind}.`,
      ),
    );
  }
  await core.enqueue({
    id: batchId,
    jobIds: jobs.map((j) => j.id),
    target,
    path: out,
    contentType: 'application/pdf',
    staged: true,
  });
}
