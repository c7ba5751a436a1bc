import type { z } from 'zod';
import { msg, type Message } from '../i18n/translate.js';
import {
  cannotUse,
  linesOf,
  LOCKABLE_SETTINGS,
  policySchema,
  type Policy,
  type PolicyState,
  unusable,
} from './policy.js';
import { describeIssues, settingsSchema } from './schema.js';

/**
 * One named policy value, as the Windows registry or a macOS configuration
 * profile gives it (docs/architecture.md#managed-policy), turned into the
 * setting it sets. Names are the settings' own (`afterUpload`,
 * `concur.baseUrl`, `folders`, `updates`); a list or an object may come as
 * JSON text, since a registry value cannot nest; 0/1 stand for off/on, since
 * the registry has no booleans. Each value is checked against the one
 * settings schema here, so a broken one is named by where it was written.
 */

/** What one value sets: setting paths (`concur.baseUrl`, `folders`, or `updates`) and their values. */
export type PolicyValue =
  { sets: { path: string; value: unknown }[]; problem?: undefined } | { problem: Message };

const concurShape = (settingsSchema.shape.concur.unwrap() as z.ZodObject<Record<string, z.ZodType>>)
  .shape;
const topShape = settingsSchema.shape as unknown as Record<string, z.ZodType>;

function schemaAt(path: string): z.ZodType | undefined {
  if (path === 'updates') return policySchema.shape.updates;
  if (!(LOCKABLE_SETTINGS as readonly string[]).includes(path)) return undefined;
  const [key, sub] = path.split('.');
  return sub ? concurShape[sub] : topShape[key];
}

/** The value named `name`, checked; `concur` as one object stands for each of its keys. */
export function policyValue(name: string, raw: unknown): PolicyValue {
  if (name === 'concur') {
    const whole = fromJsonText(raw);
    if (typeof whole !== 'object' || whole === null || Array.isArray(whole))
      return { problem: msg('policy.wantsObject', { example: '{"baseUrl": "https://…"}' }) };
    const sets: { path: string; value: unknown }[] = [];
    for (const [key, value] of Object.entries(whole)) {
      const one = policyValue(`concur.${key}`, value);
      if (one.problem !== undefined) return one;
      sets.push(...one.sets);
    }
    return { sets };
  }
  const schema = schemaAt(name);
  if (!schema) return { problem: msg('policy.unknownName', { name }) };
  const checked = coerce(name, schema, raw);
  if ('problem' in checked) return checked;
  return { sets: [{ path: name, value: checked.value }] };
}

/**
 * The value as the schema takes it: as given, or (where the schema wants
 * something else) JSON text parsed, 0/1 as off/on, a URL as `{ feedUrl }`.
 * Kept as written (defaults are not filled), like a policy file's presets.
 */
function coerce(
  name: string,
  schema: z.ZodType,
  raw: unknown,
): { value: unknown } | { problem: Message } {
  const first = schema.safeParse(raw);
  if (first.success) return { value: raw };
  const issue = first.error.issues[0];
  if (issue.code !== 'invalid_type' || issue.path.length > 0 || !('expected' in issue))
    // An updates feed given as its URL alone.
    return schema === policySchema.shape.updates && typeof raw === 'string'
      ? coerce(name, schema, { feedUrl: raw })
      : { problem: issuesOf(first.error, name) };
  const expected = String(issue.expected);
  if (expected === 'boolean' && (raw === 0 || raw === 1)) return { value: raw === 1 };
  if ((expected === 'array' || expected === 'object') && typeof raw === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      return { problem: msg('policy.valueNotJson', { why: (error as Error).message }) };
    }
    const second = schema.safeParse(parsed);
    return second.success ? { value: parsed } : { problem: issuesOf(second.error, name) };
  }
  return { problem: wants(expected) };
}

/** The schema's words, with paths from the setting ("folders.0.path: …"), not from the value. */
function issuesOf(error: z.ZodError, name: string): Message {
  const text = describeIssues(error)
    .map((issue) =>
      issue.startsWith('(top level): ')
        ? issue.slice('(top level): '.length)
        : issue.startsWith('unknown key')
          ? issue
          : `${name}.${issue}`,
    )
    .join('; ');
  return msg('policy.asIs', { text });
}

function wants(expected: string): Message {
  if (expected === 'string') return msg('policy.wantsText');
  if (expected === 'number') return msg('policy.wantsNumber');
  if (expected === 'boolean') return msg('policy.wantsSwitch');
  if (expected === 'array') return msg('policy.wantsList', { example: '[{"path": "…"}]' });
  return msg('policy.wantsObject', { example: '{"clientId": "…"}' });
}

/** One value as a source read it: where (for messages), its name, what it holds, whether it locks. */
export interface SourceValue {
  where: Message;
  name: string;
  raw: { value: unknown } | { problem: Message };
  locked: boolean;
}

/**
 * A source's policy from its values, in order (a later value of the same
 * setting replaces an earlier one); every broken value is reported, and then
 * none is used.
 */
export function policyFromValues(file: string, values: Iterable<SourceValue>): PolicyState {
  const presets: Record<string, unknown> = {};
  const locked: string[] = [];
  let updates: Policy['updates'];
  const problems: Message[] = [];
  for (const { where, name, raw, locked: locks } of values) {
    const value = 'problem' in raw ? raw : policyValue(name, raw.value);
    if (value.problem !== undefined) {
      problems.push(cannotUse(where, value.problem));
      continue;
    }
    for (const { path, value: v } of value.sets) {
      if (path === 'updates') updates = v as Policy['updates'];
      else {
        setPath(presets, path, v);
        if (locks && !locked.includes(path)) locked.push(path);
      }
    }
  }
  if (problems.length) return unusable(linesOf(problems));
  return { policy: { file, presets, locked, ...(updates ? { updates } : {}) } };
}

/** Sets `concur.baseUrl` or `folders` in settings as a file would write them. */
export function setPath(settings: Record<string, unknown>, path: string, value: unknown): void {
  const [key, sub] = path.split('.');
  if (!sub) {
    settings[key] = value;
    return;
  }
  const holder = settings[key];
  settings[key] = {
    ...(typeof holder === 'object' && holder !== null ? holder : {}),
    [sub]: value,
  };
}

function fromJsonText(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
