import { join } from 'node:path';
import { errnoWords } from '../i18n/errno-words.js';
import { msg } from '../i18n/translate.js';
import { createLogger } from '../log/logger.js';
import { cannotUse, type PolicyState, unusable } from './policy.js';
import { policyFromValues } from './policy-values.js';

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

const log = createLogger('policy');

/** The user's managed preferences, then the machine's: the first that sets a key wins. */
export function managedPreferenceFiles(user: string, dir = MANAGED_PREFERENCES_DIR): string[] {
  return [join(dir, user, `${BUNDLE_ID}.plist`), join(dir, `${BUNDLE_ID}.plist`)];
}

/** One managed-preferences file (XML or binary plist): none when it is not there. */
export async function readManagedPreferences(file: string): Promise<PolicyState> {
  let document: unknown;
  try {
    // Loaded on a Mac only: other systems never read managed preferences.
    const plist = await import('simple-plist');
    document = plist.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { policy: null };
    // The code goes to the log; people read what it means.
    if (code) log.warn('a managed preferences file cannot be read', { file, code });
    const why = code ? errnoWords(code) : (error as Error).message;
    return unusable(cannotUse(file, msg('policy.plistUnreadable', { why })));
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return unusable(
      cannotUse(file, msg('policy.plistUnreadable', { why: msg('policy.notDictionary') })),
    );

  const values = Object.entries(document)
    // A profile's own bookkeeping (PayloadUUID, PayloadIdentifier…) can come along; never a setting.
    .filter(([name]) => !name.startsWith('Payload'))
    .map(([name, raw]) => ({
      where: msg('policy.plistKey', { file, name }),
      name,
      raw: { value: raw as unknown },
      locked: true,
    }));
  return policyFromValues(file, values);
}
