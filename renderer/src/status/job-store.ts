import type { Job, JobFilter } from '../../../main/engine/types.js';
import { matchesFilter } from './job-format.js';

/**
 * The jobs the status view knows, newest first. Sorted lists are derived on
 * demand and cached until the next change, so a burst of events costs one
 * sort per frame, not one per event.
 */
export class JobStore {
  private readonly byId = new Map<string, Job>();
  private cache = new Map<JobFilter, Job[]>();

  /** Replaces everything (first load, reconnect). */
  setAll(jobs: Job[]): void {
    this.byId.clear();
    for (const job of jobs) this.byId.set(job.id, job);
    this.cache.clear();
  }

  /** Adds or replaces one job (an engine `job` event). */
  upsert(job: Job): void {
    this.byId.set(job.id, job);
    this.cache.clear();
  }

  get(id: string): Job | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The jobs under a filter, newest first. */
  list(filter: JobFilter): Job[] {
    let list = this.cache.get(filter);
    if (!list) {
      list = [...this.byId.values()]
        .filter((job) => matchesFilter(job, filter))
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
      this.cache.set(filter, list);
    }
    return list;
  }

  /** Counts for the filter tabs, from the same jobs the list shows; `retryable`: what Retry all would try. */
  counts(): Record<JobFilter | 'retryable', number> {
    const counts = { all: 0, active: 0, failed: 0, retryable: 0 };
    for (const job of this.byId.values()) {
      counts.all++;
      if (matchesFilter(job, 'active')) counts.active++;
      if (job.state === 'failed') counts.failed++;
      if (job.state === 'failed' && job.error?.retryable) counts.retryable++;
    }
    return counts;
  }
}
