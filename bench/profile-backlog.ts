import { copyFile, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../main/sandbox/sandbox.js';
import { ROOT, TOKEN, withTempDir, writeReceipts, type BenchContext } from './lib.js';
import { BACKLOG_BYTES, backlogRun } from './throughput.js';

/**
 * `npm run bench -- --profile`: the throughput line's backlog through the
 * built CLI under `node --cpu-prof`, then the functions that spent the most
 * CPU themselves (self time), to see where a file's cost goes. The profile is
 * kept for Chrome DevTools (Performance → Load profile).
 */

const TOP = 15;
const KEPT = join(tmpdir(), 'concur-drop-backlog.cpuprofile');

export async function profileBacklog(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 300 : 2000;
  const sandbox = await startSandbox({ port: 0, token: TOKEN });
  try {
    await withTempDir('profile', async (dir) => {
      await writeReceipts(join(dir, 'Scans'), count, BACKLOG_BYTES);
      const profiles = join(dir, 'profiles');
      const { rate, seconds } = await backlogRun(dir, sandbox, count, [
        '--cpu-prof',
        '--cpu-prof-dir',
        profiles,
      ]);
      const [name] = (await readdir(profiles)).filter((f) => f.endsWith('.cpuprofile'));
      if (!name) throw new Error('node wrote no .cpuprofile');
      await copyFile(join(profiles, name), KEPT);
      const profile = JSON.parse(await readFile(KEPT, 'utf8')) as CpuProfile;
      const { rows, busyMs } = selfTimes(profile);
      ctx.report(
        `profile: ${count} x ${BACKLOG_BYTES / 1024} KB under --cpu-prof: ${rate.toFixed(1)} files/s, whole run ${seconds.toFixed(1)} s, ${busyMs.toFixed(0)} ms CPU sampled (${(busyMs / count).toFixed(2)} ms per file); kept in ${KEPT}`,
      );
      ctx.report(`  self ms      %  function (where)`);
      for (const row of rows.slice(0, TOP))
        ctx.report(
          `  ${row.ms.toFixed(0).padStart(7)} ${((row.ms / busyMs) * 100).toFixed(1).padStart(6)}  ${row.name}`,
        );
    });
  } finally {
    await sandbox.close();
  }
}

/** The parts of V8's .cpuprofile format read here. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  samples: number[];
  /** Microseconds before each sample; a sample lasts until the next one. */
  timeDeltas: number[];
}

/**
 * Self time per function (name and place, summed over every call path), most
 * first, without `(idle)`: time spent waiting is not a cost of the engine.
 */
function selfTimes(profile: CpuProfile): { rows: { name: string; ms: number }[]; busyMs: number } {
  const labelOf = new Map(profile.nodes.map((n) => [n.id, label(n.callFrame)]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length - 1; i++) {
    const name = labelOf.get(profile.samples[i]) ?? '(unknown)';
    totals.set(name, (totals.get(name) ?? 0) + profile.timeDeltas[i + 1] / 1000);
  }
  totals.delete('(idle)');
  const rows = [...totals].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { rows, busyMs: rows.reduce((sum, r) => sum + r.ms, 0) };
}

/** `name (file:line)` with short paths: a node: module, a package, or relative to the repo. */
function label({ functionName, url, lineNumber }: CpuProfile['nodes'][number]['callFrame']) {
  const name = functionName || '(anonymous)';
  if (!url) return name; // (program), (garbage collector), (idle), native code
  if (!url.startsWith('file://')) return `${name} (${url}:${lineNumber + 1})`;
  const file = fileURLToPath(url);
  // node_modules may be a link to another checkout: name the package, not the detour.
  const inPackage = file.lastIndexOf('/node_modules/');
  const path = inPackage >= 0 ? file.slice(inPackage + 1) : relative(ROOT, file);
  return `${name} (${path}:${lineNumber + 1})`;
}
