import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { errnoWords } from '../i18n/errno-words.js';
import { english, msg, type Message } from '../i18n/translate.js';
import { createLogger } from '../log/logger.js';
import { baseUrlSchema, describeIssues, settingsSchema, type Settings } from './schema.js';

const log = createLogger('policy');

/**
 * The organisation's policy (docs/architecture.md#managed-policy): one JSON
 * file per machine, written by IT, that presets any setting and can lock it.
 * Both hosts read it: the desktop app (locked settings are read-only in its
 * Settings) and the `concur-drop` command. Its settings are validated by the
 * one settings schema; a broken policy is reported, never skipped in silence.
 *
 * ```json
 * { "settings": { "concur": { "baseUrl": "https://eu2.api.concursolutions.com" } },
 *   "locked": ["concur.baseUrl"],
 *   "updates": { "feedUrl": "https://deploy.example.com/concur-drop/" } }
 * ```
 */

/** Where the policy lives on each OS; CONCUR_DROP_POLICY overrides it (tests, unusual set-ups). */
export function policyPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.CONCUR_DROP_POLICY) return env.CONCUR_DROP_POLICY;
  if (platform === 'win32')
    return join(env.ProgramData ?? 'C:\\ProgramData', 'Concur Drop', 'policy.json');
  if (platform === 'darwin') return '/Library/Application Support/Concur Drop/policy.json';
  return '/etc/concur-drop/policy.json';
}

const concurShape = (settingsSchema.shape.concur.unwrap() as z.ZodObject<Record<string, z.ZodType>>)
  .shape;

/** Every setting a policy can lock: the top-level keys, and the two of `concur` one by one. */
export const LOCKABLE_SETTINGS = [
  ...Object.keys(concurShape).map((key) => `concur.${key}`),
  ...Object.keys(settingsSchema.shape).filter((key) => key !== 'concur'),
] as [string, ...string[]];

// Like Concur's address: https, plain http only on loopback (a test feed), since the feed's
// own file names the checksum the download is checked against.
const feedUrl = baseUrlSchema;

export const policySchema = z.strictObject({
  /** Presets: any setting, as in the settings file; validated by the settings schema. */
  settings: z.record(z.string(), z.unknown()).default({}),
  /** Settings people cannot change: their preset, or the default when there is none. */
  locked: z.array(z.enum(LOCKABLE_SETTINGS)).default([]),
  /** Where the desktop app looks for updates, or "off". Unset: no updates are looked for. */
  updates: z.union([z.literal('off'), z.strictObject({ feedUrl })]).optional(),
});

export interface Policy {
  file: string;
  /** The preset settings as written (only the keys the policy names). */
  presets: Record<string, unknown>;
  locked: readonly string[];
  updates?: 'off' | { feedUrl: string };
}

/** The machine's policy: none, one in force, or why the file cannot be used (plain words, naming the key). */
export type PolicyState =
  | { policy: null; problem?: undefined }
  | { policy: Policy; problem?: undefined }
  /** `problem` in English (the log); `problemText` for the user's language (absent only when several sources are broken and one lacks it). */
  | { policy: null; problem: string; problemText?: Message };

/** Reads the policy file; a missing file is no policy, anything else wrong is a problem said plainly. */
export function loadPolicy(file = policyPath()): PolicyState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { policy: null };
    log.warn('the policy file cannot be read', { file, code });
    return unusable(msg('policy.unreadable', { file, code: errnoWords(code) }));
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return unusable(msg('policy.notJson', { file, detail: (error as Error).message }));
  }
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) return invalid(file, describeIssues(parsed.error));
  const checked = settingsSchema.safeParse(parsed.data.settings);
  if (!checked.success) {
    return invalid(
      file,
      describeIssues(checked.error).map((issue) => `settings.${issue}`),
    );
  }
  return {
    policy: {
      file,
      presets: parsed.data.settings,
      locked: parsed.data.locked,
      ...(parsed.data.updates ? { updates: parsed.data.updates } : {}),
    },
  };
}

/** Starts every sentence about a policy that cannot be used; `file` says where it was written. */
/** "Your organisation's policy (…) cannot be used: …", where `where` names the file, key or value. */
export const cannotUse = (where: string | Message, why: Message): Message =>
  msg('policy.cannotUseBecause', { file: where, why });

/** Several problems, one a line. */
export const linesOf = (problems: readonly Message[]): Message =>
  problems.reduceRight((rest, first) => msg('policy.lines', { first, rest }));

export const unusable = (problemText: Message): PolicyState => ({
  policy: null,
  problem: english.say(problemText),
  problemText,
});

/** Settings the policy gets wrong, named by key as IT wrote them, one a line. */
const invalid = (file: string, issues: string[]) =>
  unusable(msg('policy.invalid', { file, issues: issues.join('\n  ') }));

/** What a locked setting says, in the UI and when a save tries to change it: one catalog key. */
export const SET_BY_ORGANISATION = english.t('settings.locked');

/** A save refused because it changes `key`, which the policy holds. */
export function lockedIssue(key: string): Message {
  return msg('policy.lockedIssue', { key, locked: msg('settings.locked') });
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Settings as written (a config file, the desktop's file, a Save from the UI)
 * with the policy applied: presets fill what is not set, locked settings take
 * the policy's value (or the default). Returned unparsed, for the one schema.
 */
export function applyPolicy(input: unknown, policy: Policy | null): unknown {
  if (!policy || !isObject(input)) return input;
  const presets = policy.presets;
  const out: Raw = { ...presets, ...input };
  if (isObject(presets.concur) || isObject(input.concur))
    out.concur = { ...(presets.concur as Raw), ...(input.concur as Raw) };
  for (const path of policy.locked) {
    const [key, sub] = path.split('.');
    if (sub && !isObject(out[key])) out[key] = {};
    const holder = sub ? (out[key] as Raw) : out;
    const from = sub ? (isObject(presets[key]) ? presets[key] : {}) : presets;
    const name = sub ?? key;
    if (name in from) holder[name] = from[name];
    else delete holder[name];
  }
  return out;
}

/** The locked settings whose value in `input` differs from what the policy holds them at. */
export function overriddenByPolicy(input: unknown, policy: Policy | null): string[] {
  if (!policy || !isObject(input)) return [];
  const applied = applyPolicy(input, policy) as Raw;
  return policy.locked.filter((path) => {
    const [key, sub] = path.split('.');
    const given = sub ? (isObject(input[key]) ? input[key][sub] : undefined) : input[key];
    if (given === undefined) return false;
    const held = sub ? (applied[key] as Raw | undefined)?.[sub] : applied[key];
    const value = held === undefined ? defaultOf(path) : held;
    return JSON.stringify(given) !== JSON.stringify(value);
  });
}

function defaultOf(path: string): unknown {
  const defaults = settingsSchema.parse({}) as Settings & Raw;
  const [key, sub] = path.split('.');
  return sub ? (defaults[key] as Raw)[sub] : defaults[key];
}
