import { setFlagsFromString } from 'node:v8';

/**
 * V8 grows its heap generously while much is allocated, and a backlog
 * allocates a lot that dies young: after 20,000 receipts the heap held about
 * 50 MB of live objects in about 190 MB of pages, so the process stood at
 * 300 MB (docs/architecture.md#performance-targets). Asking V8 to favour
 * memory over speed, as Chrome does for a tab in the background, makes it
 * grow the heap in small steps and give freed pages back: 190 MB then, with
 * no cost the throughput bench could see. The flag is read as the heap
 * decides to grow, so setting it once at start is enough; each entry point
 * (the CLI, the desktop app) does, and worker threads share it.
 */
export function favourMemory(): void {
  setFlagsFromString('--optimize-for-size');
}
