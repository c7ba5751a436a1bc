import { setFlagsFromString } from 'node:v8';

/**
 * V8 grows its heap generously while much is allocated, and a backlog
 * allocates a lot that dies young: after 20,000 receipts the heap held about
 * 50 MB of live objects in about 190 MB of pages, and the process stood at
 * 300 MB (docs/architecture.md#performance-targets). Two of the garbage
 * collector's growth rules bring it to about 180 MB with no cost the
 * benchmarks could see: the old generation grows by a fifth at a time (not by
 * up to four times), and the young generation stays at its first size (it
 * doubled up to 16 MB per half, which a stream of short-lived receipts fills
 * at once). Both are read whenever the heap decides to grow, so setting them
 * once at start is enough; each entry point (the CLI, the desktop app) does,
 * and worker threads share them. `--optimize-for-size` saved as much but made
 * shrinking a scanned PDF 15 % slower, as it also changes how code is compiled.
 * A young generation that small is scavenged in well under a millisecond, too
 * little to share out: helper threads woken for each of the hundreds of
 * scavenges a backlog makes cost more CPU than they saved, so one thread does it.
 */
export function favourMemory(): void {
  setFlagsFromString('--heap-growing-percent=20');
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--no-parallel-scavenge');
}
