/**
 * SIGINT / SIGTERM handling for the long-running commands: the first signal
 * starts a clean shutdown (ledger flushed), a second one ends the process at
 * once for someone who really means it.
 */

/** Resolves with the first SIGINT or SIGTERM; a second signal exits with 130. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) process.exit(130);
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
