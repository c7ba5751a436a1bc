import { msg, type Message } from '../i18n/translate.js';
import { cannotUse, type PolicyState, unusable } from './policy.js';
import { policyFromValues } from './policy-values.js';

/**
 * The organisation's policy in the Windows registry, where Group Policy and
 * Intune put it (docs/architecture.md#managed-policy). Chrome's and Edge's
 * layout: each setting one value under `HKLM\Software\Policies\Concur Drop`,
 * enforced (locked); the same under its `Recommended` subkey, a preset people
 * may change. Text (REG_SZ, REG_EXPAND_SZ) for text and for lists and objects
 * as JSON, REG_DWORD for numbers and 0/1 for off/on.
 */

export const POLICY_KEY = 'HKLM\\Software\\Policies\\Concur Drop';
export const RECOMMENDED_KEY = `${POLICY_KEY}\\Recommended`;

/** One value as winreg reads it from `reg query`: its name, type and text as printed. */
export interface RegistryItem {
  name: string;
  type: string;
  value: string;
}

/** Reads the values of one key; null when the key does not exist. Rejects when reg.exe fails. */
export type RegistryReader = (key: string) => Promise<readonly RegistryItem[] | null>;

/** The machine's registry through reg.exe (winreg); loaded on Windows only. */
export const winregReader: RegistryReader = async (key) => {
  const { default: Registry } = await import('winreg');
  const registry = new Registry({
    hive: Registry.HKLM,
    key: key.slice('HKLM'.length),
  });
  return new Promise((resolve, reject) => {
    registry.values((error, items) => {
      // reg.exe exits 1 for a key that is not there (winreg's keyExists reads it the same way).
      if (error) {
        if ((error as Error & { code?: number }).code === 1) resolve(null);
        else reject(error);
      } else resolve(items.map(({ name, type, value }) => ({ name, type, value })));
    });
  });
};

/** The registry's policy: none when neither key exists, else its values checked one by one. */
export async function readRegistryPolicy(
  read: RegistryReader,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PolicyState> {
  const keys = [POLICY_KEY, RECOMMENDED_KEY] as const;
  const found: (readonly RegistryItem[] | null)[] = [];
  for (const key of keys) {
    try {
      found.push(await read(key));
    } catch (error) {
      // winreg's message carries reg.exe's own words ("Access is denied.") on its later lines.
      const why = (error as Error).message
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .join(' ');
      return unusable(cannotUse(key, msg('policy.registryUnreadable', { why })));
    }
  }
  const [enforced, recommended] = found;
  if (!enforced && !recommended) return { policy: null };

  // Recommended first: an enforced value of the same setting replaces it.
  const values = (
    [
      [RECOMMENDED_KEY, recommended],
      [POLICY_KEY, enforced],
    ] as const
  ).flatMap(([key, items]) =>
    (items ?? []).map((item) => ({
      where: msg('policy.registryValue', { key, name: item.name }),
      name: item.name,
      raw: registryValue(item, env),
      locked: key === POLICY_KEY,
    })),
  );
  return policyFromValues(POLICY_KEY, values);
}

/** A value's text as reg.exe prints it, as the value it stands for. */
function registryValue(
  item: RegistryItem,
  env: NodeJS.ProcessEnv,
): { value: unknown } | { problem: Message } {
  switch (item.type) {
    case 'REG_SZ':
      return { value: item.value };
    case 'REG_EXPAND_SZ':
      // Expanded for the user who runs the app: a machine-wide %USERPROFILE%\Scans.
      return { value: expand(item.value, env) };
    case 'REG_DWORD':
    case 'REG_QWORD':
      // reg.exe prints numbers in hex: 0x4.
      return { value: Number.parseInt(item.value, 16) };
    case 'REG_MULTI_SZ':
      return { value: item.value.split('\\0').filter((part) => part !== '') };
    default:
      return { problem: msg('policy.registryType', { type: item.type }) };
  }
}

function expand(text: string, env: NodeJS.ProcessEnv): string {
  // Windows' names are case-insensitive; an unknown %NAME% stays as written, as Windows leaves it.
  const byName = new Map(Object.entries(env).map(([k, v]) => [k.toLowerCase(), v]));
  // Inside JSON text a path's backslashes must be escaped to stay one path.
  const json = /^\s*[[{]/.test(text);
  return text.replace(/%([^%]+)%/g, (whole, name: string) => {
    const value = byName.get(name.toLowerCase());
    if (value === undefined) return whole;
    return json ? JSON.stringify(value).slice(1, -1) : value;
  });
}
