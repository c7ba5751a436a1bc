import { readFileSync } from 'node:fs';

/**
 * The flags the built CLI's first line gives node (`#!/usr/bin/env -S node
 * --flag …`, vite.cli.config.ts): what starts it as the `concur-drop` command
 * does, for the bench, and for the test that holds `npm run cli` to them.
 */
export function cliNodeFlags(builtCli: string): string[] {
  const first = readFileSync(builtCli, 'utf8').split('\n', 1)[0];
  const flags = /^#!\/usr\/bin\/env -S node((?:\s+--\S+)*)\s*$/.exec(first);
  if (!flags) throw new Error(`${builtCli} does not start with "#!/usr/bin/env -S node": ${first}`);
  return flags[1].split(/\s+/).filter(Boolean);
}
