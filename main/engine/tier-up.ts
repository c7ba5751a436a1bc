import { setFlagsFromString } from 'node:v8';

/**
 * V8 runs a function as bytecode (or its quick baseline code) until it has
 * used up an "interrupt budget", about 66 KB of bytecode executed by default,
 * and only then optimises it. A receipt passes through a few hundred small
 * functions (the lifecycle, the ledger's lines, the HTTP request, the output),
 * each a few times per receipt: with the default budget V8 had optimised
 * about 250 of them by the end of a 2,000-receipt backlog, with an eighth of
 * it about 330, most within the first few hundred receipts. The main thread
 * then spends a seventh less time per receipt; the optimising happens on V8's
 * helper threads, so the CPU a backlog costs in all stays the same
 * (docs/architecture.md#performance-targets). A budget of 1 KB optimised code
 * whose feedback was still changing, and was slower than 4–8 KB.
 *
 * Read whenever a function's budget is reset, so setting it at start is
 * enough; each entry point (the CLI, the desktop app) does, and worker
 * threads share it.
 */
export function optimiseSooner(): void {
  setFlagsFromString('--interrupt-budget=8192');
}
