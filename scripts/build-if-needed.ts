import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run demo` in a fresh clone: there is no out/ yet, and `node
 * out/cli/concur-drop.js` failed with MODULE_NOT_FOUND. This builds first when
 * the CLI is missing or older than its sources, and does nothing otherwise.
 */

/** The sources the built CLI and window come from. */
const SOURCES = ['main', 'preload', 'renderer', 'package.json', 'vite.cli.config.ts'];
/** What `npm run build` leaves that the CLI commands run. */
export const BUILT_CLI = join('out', 'cli', 'concur-drop.js');

function newest(path: string): number {
  let info;
  try {
    info = statSync(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  // Files only: a folder's time changes with what git or an editor does around it.
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** True when `root` has no built CLI, or one older than a source file. */
export function needsBuild(root: string): boolean {
  const built = newest(join(root, BUILT_CLI));
  if (built === 0) return true;
  return SOURCES.some((source) => newest(join(root, source)) > built);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), '..', '..');
  if (needsBuild(root)) {
    console.error('Building Concur Drop first (npm run build)…');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['run', '--silent', 'build'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      shell: process.platform === 'win32',
    });
    process.exit(result.status ?? 1);
  }
}
