/**
 * Versions of the settings file and the steps between them (Mattermost-style:
 * one small pure function per step). Adding a step: bump SETTINGS_VERSION and
 * add `migrations[old]`, turning version `old` into `old + 1`.
 */

/** The version this build writes into `settings.json` as `schemaVersion`. */
export const SETTINGS_VERSION = 1;

type Raw = Record<string, unknown>;

/** What a step returns: the next layout, and a token it took out of the file, if any. */
export interface MigrationStep {
  data: Raw;
  token?: string;
}

/**
 * v0 (the first preview) kept `{ baseUrl, token?, folders: string[] }` flat,
 * with the token in plain text. v1 is the engine's schema; the token moves to
 * the keychain (docs/architecture.md#security: it lives nowhere else).
 */
function v0ToV1(old: Raw): MigrationStep {
  const { baseUrl, token, authScheme, folders, ...rest } = old;
  const concur: Raw = {};
  if (baseUrl !== undefined) concur.baseUrl = baseUrl;
  if (authScheme !== undefined) concur.authScheme = authScheme;
  const data: Raw = { ...rest, concur };
  if (Array.isArray(folders)) {
    data.folders = folders.map((f: unknown) => (typeof f === 'string' ? { path: f } : f));
  } else if (folders !== undefined) {
    data.folders = folders; // left as it is, so validation names it
  }
  return { data, token: typeof token === 'string' && token.trim() ? token.trim() : undefined };
}

const migrations: Record<number, (old: Raw) => MigrationStep> = { 0: v0ToV1 };

/** The version a stored object claims; files from before versioning are v0. */
export function versionOf(raw: Raw): number {
  const v = raw.schemaVersion;
  return typeof v === 'number' && Number.isInteger(v) ? v : 0;
}

/**
 * Brings a stored object up to SETTINGS_VERSION. Returns the settings (without
 * `schemaVersion`), the tokens found on the way, and whether anything changed.
 * Throws for a file written by a newer Concur Drop (it is not ours to rewrite).
 */
export function migrateSettings(raw: Raw): { data: Raw; tokens: string[]; migrated: boolean } {
  const from = versionOf(raw);
  if (from > SETTINGS_VERSION) {
    throw new Error(
      `it was written by a newer Concur Drop (settings version ${from}, this one knows ${SETTINGS_VERSION})`,
    );
  }
  const { schemaVersion: _version, ...rest } = raw;
  let data: Raw = rest;
  const tokens: string[] = [];
  for (let v = from; v < SETTINGS_VERSION; v++) {
    const step = migrations[v](data);
    data = step.data;
    if (step.token) tokens.push(step.token);
  }
  return { data, tokens, migrated: from !== SETTINGS_VERSION };
}
