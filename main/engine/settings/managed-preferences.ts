import { join } from 'node:path';
import { english } from '../i18n/translate.js';
import { cannotUse, type Policy, type PolicyState } from './policy.js';
import { policyValue } from './policy-values.js';
import { setPath } from './windows-registry-policy.js';

/**
 * The organisation's policy on a Mac managed by MDM
 * (docs/architecture.md#managed-policy): a configuration profile whose
 * payload domain is the app's bundle id makes macOS write
 * `/Library/Managed Preferences/<bundle id>.plist` (for the machine) and
 * `/Library/Managed Preferences/<user>/<bundle id>.plist` (for one user).
 * Its keys are the settings' names; every one is enforced (locked), as
 * managed preferences are by definition. The user's file wins, as macOS looks
 * there first.
 */

export const MANAGED_PREFERENCES_DIR = '/Library/Managed Preferences';
/** electron-builder.yml's appId: the payload domain a profile names. */
export const BUNDLE_ID = 'com.concurdrop.app';

/** The user's managed preferences, then the machine's: the first that sets a key wins. */
export function managedPreferenceFiles(user: string, dir = MANAGED_PREFERENCES_DIR): string[] {
  return [join(dir, user, `${BUNDLE_ID}.plist`), join(dir, `${BUNDLE_ID}.plist`)];
}

/** One managed-preferences file (XML or binary plist): none when it is not there. */
export async function readManagedPreferences(file: string): Promise<PolicyState> {
  let document: unknown;
  try {
    // Loaded on a Mac with a profile only.
    const plist = await import('simple-plist');
    document = plist.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { policy: null };
    const why = code ?? (error as Error).message;
    return {
      policy: null,
      problem: `${cannotUse(file)} ${english.t('policy.plistUnreadable', { why })}`,
    };
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return {
      policy: null,
      problem: `${cannotUse(file)} ${english.t('policy.plistUnreadable', { why: 'not a dictionary' })}`,
    };

  const presets: Record<string, unknown> = {};
  const locked: string[] = [];
  let updates: Policy['updates'];
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(document)) {
    // A profile's own bookkeeping (PayloadUUID, PayloadIdentifier…) can come along; never a setting.
    if (name.startsWith('Payload')) continue;
    const value = policyValue(name, raw);
    if (value.problem !== undefined) {
      const where = english.t('policy.plistKey', { file, name });
      problems.push(`${cannotUse(where)} ${value.problem}`);
      continue;
    }
    for (const { path, value: v } of value.sets) {
      if (path === 'updates') updates = v as Policy['updates'];
      else {
        setPath(presets, path, v);
        if (!locked.includes(path)) locked.push(path);
      }
    }
  }
  if (problems.length) return { policy: null, problem: problems.join('\n') };
  return { policy: { file, presets, locked, ...(updates ? { updates } : {}) } };
}
