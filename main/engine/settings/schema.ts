import { z } from 'zod';
import { findOverlappingFolder } from './overlapping-folders.js';

/**
 * The one settings schema (docs/architecture.md#the-command-line). The CLI's config file and the desktop
 * app's electron-store both validate through it. Adding a setting: type here →
 * default here → validation here → a migration in main/app/settings-store.ts.
 */

/** Concur ids: 1–128 of A-Z a-z 0-9 $ _ - . (docs/architecture.md#folder-conventions). */
export const CONCUR_ID = /^[A-Za-z0-9$_.-]{1,128}$/;

export const concurIdSchema = z
  .string()
  .regex(CONCUR_ID, 'a Concur id is 1–128 characters of A-Z a-z 0-9 $ _ - .');

export const targetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('receipt') }),
  z.strictObject({ kind: z.literal('report'), id: concurIdSchema }),
  z.strictObject({ kind: z.literal('entry'), id: concurIdSchema }),
  z.strictObject({ kind: z.literal('invoice'), id: concurIdSchema }),
]);

export const routeSchema = z.strictObject({
  /** Subfolder of the root, relative, '/' separated. */
  subfolder: z
    .string()
    .min(1)
    .refine((s) => !s.split(/[\\/]/).includes('..'), 'must stay inside the folder'),
  target: targetSchema,
});

export const folderSchema = z.strictObject({
  path: z.string().min(1, 'a folder path is required'),
  /** Poll instead of native events: network shares. Turned on by itself for UNC paths. */
  polling: z.boolean().default(false),
  /** Files in subfolders that match no convention or route: upload as receipts, or leave alone. */
  unmatched: z.enum(['receipt', 'ignore']).default('receipt'),
  routes: z.array(routeSchema).default([]),
});

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts plain http may reach. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The user name or password part of a URL ("https://me:secret@host"), said plainly. */
export const USERINFO_PROBLEM =
  'must not contain a user name or password (the token is kept in the system keychain)';
export const INSECURE_PROBLEM =
  'must use https (plain http is allowed only for 127.0.0.1 / localhost)';

/**
 * Why a Concur base URL cannot be used, in plain words, or null when it can.
 * Settings are refused with it before they are saved; the client checks again
 * before any byte leaves the machine.
 */
export function baseUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a URL such as https://www.concursolutions.com';
  }
  if (url.username || url.password) return USERINFO_PROBLEM;
  const secure =
    url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  return secure ? null : INSECURE_PROBLEM;
}

export const baseUrlSchema = z.string().superRefine((text, ctx) => {
  const problem = baseUrlProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const settingsSchema = z.strictObject({
  concur: z
    .strictObject({
      baseUrl: baseUrlSchema.default('https://www.concursolutions.com'),
      authScheme: z.enum(['OAuth', 'Bearer']).default('OAuth'),
    })
    .prefault({}),
  folders: z
    .array(folderSchema)
    .superRefine((folders, ctx) => {
      const overlap = findOverlappingFolder(folders.map((f) => f.path));
      if (overlap)
        ctx.addIssue({ code: 'custom', path: [overlap.index, 'path'], message: overlap.message });
    })
    .default([]),
  afterUpload: z.enum(['move', 'keep', 'delete']).default('move'),
  concurrency: z.number().int().min(1).max(8).default(2),
  settleMs: z.number().int().min(0).max(600_000).default(1000),
  batchWindowMs: z.number().int().min(0).max(3_600_000).default(5000),
  maxWaitMs: z.number().int().min(1000).max(86_400_000).default(600_000),
  /** Desktop only: notifications when uploads finish or fail. */
  notifications: z.boolean().default(true),
  /** Desktop only: start Concur Drop when the user logs in. */
  startAtLogin: z.boolean().default(true),
  /** The language of the window, tray, notifications, error files and CLI; "system" follows the OS. */
  language: z.enum(['system', 'en', 'de', 'fr', 'es', 'ja']).default('system'),
});

export type Settings = z.output<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;
export type FolderSettings = z.output<typeof folderSchema>;
export type Route = z.output<typeof routeSchema>;

/** Region presets for the base URL (docs/architecture.md#concurs-rules). */
export const REGION_PRESETS: readonly { label: string; url: string }[] = [
  { label: 'Default (www)', url: 'https://www.concursolutions.com' },
  { label: 'US (us.api)', url: 'https://us.api.concursolutions.com' },
  { label: 'US 2 (us2.api)', url: 'https://us2.api.concursolutions.com' },
  { label: 'EMEA (emea.api)', url: 'https://emea.api.concursolutions.com' },
  { label: 'EU 2 (eu2.api)', url: 'https://eu2.api.concursolutions.com' },
  { label: 'China (cn.api)', url: 'https://cn.api.concursolutions.com' },
];

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Names each problem by its key path: "folders.0.routes.1.target.id: a Concur id is …". */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const key = issue.path.length ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? `${key}: ` : '';
      return `${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${key}: ${issue.message}`;
  });
}

/**
 * Throws SettingsError when resolved folder paths nest; the schema already
 * refused paths that nest as written, but "x" and "/…/x/sub" nest only once
 * "x" is resolved against the config file's folder.
 */
export function refuseOverlappingFolders(paths: readonly string[], source = 'settings'): void {
  const overlap = findOverlappingFolder(paths);
  if (!overlap) return;
  const issue = `folders.${overlap.index}.path: ${overlap.message}`;
  throw new SettingsError(`Invalid ${source}:\n  ${issue}`, [issue]);
}

/** Validates settings, filling defaults; throws SettingsError naming each bad key. */
export function parseSettings(input: unknown, source = 'settings'): Settings {
  const result = settingsSchema.safeParse(input);
  if (!result.success) {
    const issues = describeIssues(result.error);
    throw new SettingsError(`Invalid ${source}:\n  ${issues.join('\n  ')}`, issues);
  }
  return result.data;
}
