import { userInfo } from 'node:os';
import { managedPreferenceFiles, readManagedPreferences } from './managed-preferences.js';
import { msg } from '../i18n/translate.js';
import {
  linesOf,
  LOCKABLE_SETTINGS,
  loadPolicy,
  policyPath,
  type Policy,
  type PolicyState,
  unusable,
} from './policy.js';
import { describeIssues, settingsSchema } from './schema.js';
import { setPath } from './policy-values.js';
import {
  readRegistryPolicy,
  winregReader,
  type RegistryReader,
} from './windows-registry-policy.js';

/**
 * The organisation's policy from every place IT may put it on this OS
 * (docs/architecture.md#managed-policy), merged into one: Windows, the
 * registry and `policy.json`; macOS, managed preferences (the user's, then
 * the machine's) and `policy.json`; Linux, `policy.json`. As in Chrome, a
 * lock beats a preset wherever each was written, and between two of the same
 * kind the OS's managed channel (registry, profile) beats the file. Any
 * source that cannot be used makes the whole policy unusable, said plainly.
 */

export interface MachinePolicyOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Windows: the registry (tests read `reg query`-shaped items). */
  registry?: RegistryReader;
  /** macOS: the managed-preferences folder (tests point it at a temp folder). */
  managedPreferencesDir?: string;
  user?: string;
}

export async function loadMachinePolicy(options: MachinePolicyOptions = {}): Promise<PolicyState> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const states: PolicyState[] = [];
  if (platform === 'win32')
    states.push(await readRegistryPolicy(options.registry ?? winregReader, env));
  if (platform === 'darwin')
    for (const file of managedPreferenceFiles(
      options.user ?? userInfo().username,
      options.managedPreferencesDir,
    ))
      states.push(await readManagedPreferences(file));
  states.push(loadPolicy(policyPath(env, platform)));

  const broken = states.flatMap((state) => (state.problem ? [state] : []));
  if (broken.length) {
    // The words in the user's language, where every broken source has them.
    const texts = broken.flatMap((state) => (state.problemText ? [state.problemText] : []));
    return {
      policy: null,
      problem: broken.map((state) => state.problem).join('\n'),
      ...(texts.length === broken.length && { problemText: linesOf(texts) }),
    };
  }
  const policies = states.flatMap((state) => (state.policy ? [state.policy] : []));
  if (policies.length <= 1) return { policy: policies[0] ?? null };
  return mergePolicies(policies);
}

/** One policy from several, the first the strongest source; checked once more as a whole. */
export function mergePolicies(policies: readonly Policy[]): PolicyState {
  const presets: Record<string, unknown> = {};
  const locked: string[] = [];
  for (const path of LOCKABLE_SETTINGS) {
    const lockedBy = policies.find((p) => p.locked.includes(path));
    if (lockedBy) locked.push(path);
    // A lock without a value holds the default, whatever another source presets.
    const from = lockedBy ? [lockedBy] : policies;
    const valued = from.find((p) => valueAt(p.presets, path) !== undefined);
    if (valued) setPath(presets, path, valueAt(valued.presets, path));
  }
  const updates = policies.find((p) => p.updates)?.updates;
  const file = policies.map((p) => p.file).join(' + ');
  const checked = settingsSchema.safeParse(presets);
  if (!checked.success)
    return unusable(
      msg('policy.invalid', { file, issues: describeIssues(checked.error).join('\n  ') }),
    );
  return { policy: { file, presets, locked, ...(updates ? { updates } : {}) } };
}

function valueAt(settings: Record<string, unknown>, path: string): unknown {
  const [key, sub] = path.split('.');
  const value = settings[key];
  if (!sub) return value;
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[sub]
    : undefined;
}
