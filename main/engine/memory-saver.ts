import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * V8 grows its heap generously while much is allocated, and a backlog
 * allocates a lot that dies young: after 20,000 receipts the heap held about
 * 50 MB of live objects in about 190 MB of pages, and the process stood at
 * 300 MB (docs/architecture.md#performance-targets). Two of the garbage
 * collector's growth rules bring it under 200 MB with no cost the benchmarks
 * could see: the old generation grows by a fifth at a time (not by up to four
 * times), and the young generation stays at its first size (it doubled up to
 * 16 MB per half, which a stream of short-lived receipts fills at once). Both
 * are read whenever the heap decides to grow, so setting them once at start is
 * enough; each entry point (the CLI, the desktop app) does, and worker threads
 * share them. `--optimize-for-size` saved as much but made shrinking a scanned
 * PDF 15 % slower, as it also changes how code is compiled.
 *
 * The first size is V8's 1 MB, or what node was started with: the
 * `concur-drop` command asks for 8 MB (vite.cli.config.ts), which a process
 * must be given at launch. A 1 MB young generation is scavenged in well under
 * a millisecond, too little to share out: helper threads woken for each of the
 * hundreds of scavenges a backlog makes cost more CPU than they saved, so one
 * thread does it. An 8 MB one takes a few milliseconds, which the helpers do
 * share well: a tenth less main-thread time per receipt.
 */
export function favourMemory(): void {
  setFlagsFromString('--heap-growing-percent=20');
  setFlagsFromString('--semi-space-growth-factor=1');
  if (youngGenerationBytes() < SHARED_SCAVENGE_FROM) setFlagsFromString('--no-parallel-scavenge');
}

const SHARED_SCAVENGE_FROM = 4 * 1024 * 1024;

/** The size of one half of the young generation, as V8 has set it up. */
function youngGenerationBytes(): number {
  return (
    getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0
  );
}
