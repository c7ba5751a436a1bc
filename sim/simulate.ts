import { targetKey } from '../main/engine/routing/route.js';
import type { SimEngine, SimEngineFactory } from './engine-port.js';
import { InvariantChecker, type Violation } from './world/invariants.js';
import { applyAction, describeAction, type OfficeAction } from './world/office-actions.js';
import { planOffice, type Story } from './world/office.js';
import { SIM_EPOCH } from './world/virtual-clock.js';
import { RESCAN_MS, World } from './world/world.js';

/**
 * One seed, start to end: builds the world, plans the office's day, plays it
 * against the engine (crashing and restarting it where the plan says), checks
 * the invariants after every action and once the office is quiet, then
 * restarts the engine once more to see the ledger replay to the same states.
 */

export interface SimulateOptions {
  seed: number;
  steps: number;
  engine: SimEngineFactory;
  /** Stories left out of the office's day. */
  without?: ReadonlySet<Story>;
  /** Force Windows (or not); by default the seed decides. */
  windows?: boolean;
  /** Share of native add/change events that never arrive (default: the world's). */
  missProbability?: number;
  /** Also restart at the end and compare states (default true). */
  replay?: boolean;
}

export interface SimulateResult {
  seed: number;
  steps: number;
  violations: Violation[];
  /** The office's actions and Concur's calls, in time order. */
  trace: string[];
  actions: number;
  /** Virtual time the day took. */
  virtualMs: number;
}

/** How long after the office's last action the engine may take to settle (8 tries end well within). */
const QUIET_CAP_MS = 3 * 60 * 60 * 1000;

export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const { seed, steps } = options;
  const world = new World({
    seed,
    windows: options.windows,
    missProbability: options.missProbability,
  });
  const { clock, settings } = world;
  const plan = planOffice({
    seed,
    steps,
    windows: world.fs.windows,
    batchWindowMs: settings.batchWindowMs,
    without: options.without,
  });
  const checker = new InvariantChecker(world);
  const events: { at: number; line: string }[] = [];
  const violations: Violation[] = [];
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on('unhandledRejection', onCrash);

  let engine: SimEngine | undefined;
  const launch = async () => {
    engine = options.engine(world.startLife());
    await until(world, engine.start(), 'start');
  };
  const kill = (why: string) => {
    if (!engine) return;
    const { tornBytes } = world.crash();
    engine.crash();
    engine = undefined;
    events.push({
      at: clock.now(),
      line: `${stamp(clock.now())} ${why}${tornBytes ? ` (journal torn: ${tornBytes} B of the last append kept)` : ''}`,
    });
  };
  const settled = () => (engine ? (engine.settled?.() ?? allFinal(engine)) : false);

  try {
    await launch();
    for (const action of plan) {
      await clock.run({ until: action.at });
      events.push({ at: action.at, line: describeAction(action, SIM_EPOCH) });
      const cue = applyAction(world, action);
      if (cue === 'crash') kill('engine killed');
      else if (cue === 'restart' && !engine) await launch();
      violations.push(...checker.step(), ...errors(crashes));
      if (violations.length) break;
    }
    if (!violations.length) {
      if (!engine) await launch();
      const last = plan[plan.length - 1]?.at ?? clock.now();
      // Time for a rescan to find files whose events were lost, then for them to settle and merge.
      const quietFloor = RESCAN_MS + 2 * (settings.settleMs + settings.batchWindowMs) + 5000;
      await clock.run({ until: last + quietFloor });
      await clock.run({ until: last + QUIET_CAP_MS, quiet: settled });
      if (!settled())
        violations.push({
          invariant: 'once-ends',
          message: `the engine had not settled ${QUIET_CAP_MS / 3_600_000} h after the office went quiet: ${describeStates(engine!)}`,
        });
      violations.push(...checker.final(engine!.jobs()), ...errors(crashes));
      if (!violations.length && options.replay !== false) {
        const before = statesByPath(engine!);
        // A failure that may pass (Concur unreachable after every try) is tried again at each start.
        const mayChange = new Set(
          engine!
            .jobs()
            .filter((j) => j.state === 'failed' && j.error?.retryable)
            .map((j) => `${j.root}/${j.relPath}`),
        );
        // Files of a batch waiting for a fixed scan are not looked at while they wait: a restart
        // may find one of them changed or unreadable since.
        const holding = new Set(
          engine!
            .jobs()
            .filter((j) => j.holdsBatch && j.target)
            .map((j) => targetKey(j.target!)),
        );
        for (const j of engine!.jobs())
          if (
            (j.phase === 'collecting' || j.phase === 'parked') &&
            j.target &&
            holding.has(targetKey(j.target))
          )
            mayChange.add(`${j.root}/${j.relPath}`);
        kill('engine restarted to replay its ledger');
        await launch();
        await clock.run({ until: clock.now() + QUIET_CAP_MS, quiet: settled });
        const after = statesByPath(engine!);
        for (const [path, state] of after) {
          const was = before.get(path);
          if (was && was !== state && !mayChange.has(path))
            violations.push({
              invariant: 'replay',
              message: `${path} was ${was} before a restart and ${state} after it`,
            });
        }
        violations.push(...checker.final(engine!.jobs()), ...errors(crashes));
      }
      // A stop waits for writes in flight, whose fsync takes virtual time: the clock runs meanwhile.
      if (engine) await until(world, engine.stop(), 'stop');
      world.endLife();
    }
  } catch (error) {
    // In production this would take the process down: as a finding, it keeps its seed.
    violations.push({
      invariant: 'reason',
      message: `the engine threw: ${error instanceof Error ? error.stack : String(error)}`,
    });
  } finally {
    process.off('unhandledRejection', onCrash);
  }

  for (const call of world.concur.calls) {
    // Staged files carry names the engine chose; only the office's own paths keep a trace comparable.
    const path = world.roots.some((r) => call.path.startsWith(r + '/'))
      ? call.path
      : '(a staged file)';
    events.push({
      at: call.at,
      line: `${stamp(call.at)}   concur ${call.what} ${call.key} ${path} (life ${call.life})`,
    });
  }
  events.sort((a, b) => a.at - b.at);
  return {
    seed,
    steps,
    violations,
    trace: events.map((e) => e.line),
    actions: plan.length,
    virtualMs: clock.now() - SIM_EPOCH,
  };
}

/** Runs the clock until `promise` settles (an engine starting needs its journal and watchers). */
async function until<T>(world: World, promise: Promise<T>, what: 'start' | 'stop'): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  await world.clock.run({ quiet: () => done, until: world.clock.now() + 60_000 });
  if (!done) throw new Error(`the engine did not ${what} within a minute of virtual time`);
  return tracked;
}

function allFinal(engine: SimEngine): boolean {
  return engine
    .jobs()
    .every(
      (j) =>
        j.state === 'uploaded' ||
        j.state === 'duplicate' ||
        j.state === 'failed' ||
        j.state === 'paused',
    );
}

function describeStates(engine: SimEngine): string {
  const counts = new Map<string, number>();
  for (const job of engine.jobs()) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'no jobs';
}

function statesByPath(engine: SimEngine): Map<string, string> {
  return new Map(engine.jobs().map((j) => [`${j.root}/${j.relPath}`, j.state]));
}

function errors(crashes: unknown[]): Violation[] {
  return crashes.splice(0).map((error) => ({
    invariant: 'reason' as const,
    message: `the engine let an error escape: ${error instanceof Error ? error.stack : String(error)}`,
  }));
}

function stamp(at: number): string {
  return `+${((at - SIM_EPOCH) / 1000).toFixed(3)}s`;
}

export type { OfficeAction };
