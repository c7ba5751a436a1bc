import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Store from 'electron-store';
import type { SaveResult } from '../../preload/contract.js';
import { msg, type Message } from '../engine/i18n/translate.js';
import { createLogger } from '../engine/log/logger.js';
import type { SettingsStore } from '../engine/ports.js';
import {
  applyPolicy,
  overriddenByPolicy,
  lockedIssue,
  SET_BY_ORGANISATION,
  type PolicyState,
} from '../engine/settings/policy.js';
import { parseSettings, SettingsError, type Settings } from '../engine/settings/schema.js';
import { migrateSettings, SETTINGS_VERSION } from './settings-migrations.js';

/**
 * The desktop app's settings: electron-store (atomic writes into userData),
 * validated by the engine's one zod schema. The file carries `schemaVersion`
 * and older layouts are migrated on open. A file that cannot be used is kept
 * as `settings.corrupt-<time>.json` and the reason is reported through
 * `warning` (shown in Settings and the tray) — never reset in silence, which is
 * why electron-store's own `clearInvalidConfig` stays off.
 */

const log = createLogger('settings');

type StoredSettings = Settings & { schemaVersion: number };

/** The app's SettingsStore, plus change notification for the shell (tray roots, login item, notifications). */
export interface AppSettingsStore extends SettingsStore {
  /** The settings file. */
  readonly path: string;
  onChange(listener: (settings: Settings) => void): () => void;
}

export interface SettingsStoreOptions {
  /** The folder of `settings.json`: app.getPath('userData') in the app. */
  cwd: string;
  /** Where a token found in an old settings file goes (the keychain), instead of staying in the file. */
  saveLegacyToken: (baseUrl: string, token: string) => Promise<void>;
  now?: () => number;
  /** The organisation's policy (docs/architecture.md#managed-policy): presets, locks, or why it cannot be used. */
  policy?: PolicyState;
}

/** Opens (creating, migrating or recovering) the settings file in `cwd`. */
export async function openSettingsStore(options: SettingsStoreOptions): Promise<AppSettingsStore> {
  const file = join(options.cwd, 'settings.json');
  const now = options.now ?? Date.now;
  const warnings: string[] = [];
  const warningTexts: Message[] = [];
  const policy = options.policy?.policy ?? null;
  if (options.policy?.problem) {
    // Said in Settings and the tray, and logged: IT's intent is not silently dropped.
    log.warn('policy unusable', { problem: options.policy.problem });
  }
  // Stays until the policy is fixed: saving settings does not make it usable.
  const policyProblem = options.policy?.problem;
  const policyProblemText =
    options.policy && 'problemText' in options.policy ? options.policy.problemText : undefined;
  // A first start takes the policy's presets; the locked settings hold at every start.
  let settings = parseSettings(applyPolicy({}, policy), 'settings from your organisation');
  let mustWrite = true;

  const text = readText(file);
  if (text !== null) {
    const loaded = load(text);
    for (const token of loaded.tokens) {
      try {
        await options.saveLegacyToken(loaded.baseUrl ?? settings.concur.baseUrl, token);
        log.info('moved the token from the old settings file into the keychain');
      } catch (error) {
        // The token still leaves the file: a secret on disk is worse than signing in again.
        warnings.push(
          `The old settings file held a token, which could not be saved to the keychain (${(error as Error).message}). It was removed from the file: enter it again in Settings.`,
        );
        // The keychain's own sentence in the user's language where it has one (not D-Bus's words).
        const said = (error as { text?: Message }).text ?? (error as Error).message;
        warningTexts.push(msg('settings.tokenNotMoved', { error: said }));
      }
    }
    if (loaded.ok) {
      settings = parseSettings(applyPolicy(loaded.settings, policy), 'settings file');
      mustWrite = loaded.migrated || JSON.stringify(settings) !== JSON.stringify(loaded.settings);
    } else {
      const backup = join(options.cwd, `settings.corrupt-${stamp(now())}.json`);
      // The backup keeps what the user had, minus any token (that went to the keychain above).
      if (loaded.withoutTokens !== text) {
        writeFileSync(backup, loaded.withoutTokens);
        rmSync(file);
      } else renameSync(file, backup);
      log.warn('settings file unusable, kept as a backup', { backup, reason: loaded.reason });
      warnings.push(
        `Your settings file could not be used (${loaded.reason}). It was kept as ${basename(backup)} and Concur Drop started with default settings.`,
      );
      warningTexts.push(
        msg('settings.corrupt', { reason: loaded.reason, backup: basename(backup) }),
      );
    }
  }

  const store = new Store<StoredSettings>({
    cwd: options.cwd,
    name: 'settings',
    clearInvalidConfig: false,
  });
  if (mustWrite) store.store = { schemaVersion: SETTINGS_VERSION, ...settings };

  const listeners = new Set<(settings: Settings) => void>();
  let warning: string | undefined = warnings.length ? warnings.join(' ') : undefined;

  return {
    path: store.path,
    get warning() {
      return [policyProblem, warning].filter(Boolean).join(' ') || undefined;
    },
    get warningText() {
      const texts = [
        ...(policyProblemText ? [policyProblemText] : []),
        ...(warning ? warningTexts : []),
      ];
      return texts.length ? texts : undefined;
    },
    get: () => settings,
    locked: policy?.locked ?? [],
    async save(input: unknown): Promise<SaveResult> {
      // Checked here too: the renderer shows them read-only, but main trusts no caller.
      const overridden = overriddenByPolicy(input, policy);
      if (overridden.length)
        return {
          ok: false,
          issues: overridden.map((key) => `${key}: ${SET_BY_ORGANISATION}`),
          issueTexts: overridden.map(lockedIssue),
        };
      try {
        settings = parseSettings(applyPolicy(input, policy));
      } catch (error) {
        if (error instanceof SettingsError) return { ok: false, issues: error.issues };
        throw error;
      }
      store.store = { schemaVersion: SETTINGS_VERSION, ...settings };
      warning = undefined; // the user has saved over whatever we had to recover from
      for (const listener of listeners) listener(settings);
      return { ok: true };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

type Loaded = { tokens: string[]; baseUrl?: string } & (
  | { ok: true; settings: Settings; migrated: boolean }
  | { ok: false; reason: string; withoutTokens: string }
);

function load(text: string): Loaded {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      tokens: [],
      reason: `it is not valid JSON: ${(error as Error).message}`,
      // Unreadable JSON may still hold a token in plain text: it must not live on in the backup.
      withoutTokens: scrubSecrets(text).text,
    };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      tokens: [],
      reason: 'it does not hold a settings object',
      withoutTokens: text,
    };
  }
  let migrated: ReturnType<typeof migrateSettings>;
  try {
    migrated = migrateSettings(raw as Record<string, unknown>);
  } catch (error) {
    return { ok: false, tokens: [], reason: (error as Error).message, withoutTokens: text };
  }
  const { data, tokens } = migrated;
  const concur = data.concur as { baseUrl?: unknown } | undefined;
  const baseUrl = typeof concur?.baseUrl === 'string' ? concur.baseUrl : undefined;
  try {
    const settings = parseSettings(data, 'settings file');
    return { ok: true, settings, tokens, baseUrl, migrated: migrated.migrated };
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    // A token added by hand under any key is moved to the keychain like a legacy one.
    const scrubbed = scrubSecrets(JSON.stringify(data, null, 2));
    const found = [...tokens, ...scrubbed.secrets];
    return {
      ok: false,
      tokens: found,
      baseUrl,
      reason: error.issues.join('; '),
      // Nothing secret in it: the backup is the user's file byte for byte.
      withoutTokens: found.length ? scrubbed.text : text,
    };
  }
}

/** A JSON member whose name says it holds a secret: "token", "accessToken", "password"… */
const SECRET_MEMBER =
  /("(?:\w*token|\w*secret|password|authorization)"\s*:\s*)"((?:[^"\\]|\\.)*)"/gi;

/** Empties secret-looking values in a settings file's text and returns what it took out. */
function scrubSecrets(text: string): { text: string; secrets: string[] } {
  const secrets: string[] = [];
  const scrubbed = text.replace(SECRET_MEMBER, (_m, member: string, value: string) => {
    if (value) secrets.push(value);
    return `${member}""`;
  });
  return { text: scrubbed, secrets };
}

/** A file-name-safe time: 2026-11-29T02-40-00-000Z. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}
