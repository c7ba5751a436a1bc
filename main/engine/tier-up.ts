import { setFlagsFromString } from 'node:v8';

/**
 * V8 runs a function as bytecode until it has used up an "interrupt budget"
 * (about 66 KB of bytecode executed, by default) and only then compiles it to
 * fast machine code. A receipt passes through a few hundred small functions
 * (the lifecycle, the ledger's lines, the HTTP request, the output), each run
 * a few times per receipt: with the default budget about a hundred of them
 * were still bytecode after 2,000 receipts, and the main thread spent a sixth
 * more time per receipt than it does once they are compiled. An eighth of the
 * budget compiles them within the first few hundred receipts. The compiling
 * happens on V8's helper threads, so the CPU a backlog costs in all is about
 * the same; what the main thread saves, the uploads gain
 * (docs/architecture.md#performance-targets). A quarter of this budget
 * compiled code whose feedback was still changing, and was no faster.
 *
 * Read whenever a function's budget is reset, so setting it at start is
 * enough; each entry point (the CLI, the desktop app) does, and worker
 * threads share it.
 */
export function optimiseSooner(): void {
  setFlagsFromString('--interrupt-budget=8192');
}
