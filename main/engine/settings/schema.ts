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
  /** Which of `accounts` its scans go to; default the first. */
  account: z.string().min(1).optional(),
  /** A stack scanned as one file, for the receipt store: one receipt, one per page, or split at blank sheets. */
  split: z.enum(['none', 'page', 'separator']).default('none'),
  /** Blank pages (the backs of a duplex scan): kept, or dropped before upload. */
  blankPages: z.enum(['keep', 'drop']).default('keep'),
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

/** The `proxy` setting that means "never through a proxy", whatever the environment says. */
export const PROXY_DIRECT = 'direct';

/** Why a `proxy` setting cannot be used, in plain words, or null when it can (docs/architecture.md#company-networks). */
export function proxySettingProblem(text: string): string | null {
  const issue = proxySettingIssue(text);
  if (issue === 'notUrl')
    return `must be "${PROXY_DIRECT}" or a URL such as http://proxy.example.com:8080`;
  if (issue === 'notHttp') return 'must be an http:// or https:// proxy (SOCKS is not supported)';
  if (issue === 'userinfo')
    return 'must not contain a user name or password (set HTTPS_PROXY in the environment instead)';
  return null;
}

/** What is wrong with a `proxy` setting, as a code the hosts put into words; null when usable. */
export function proxySettingIssue(text: string): 'notUrl' | 'notHttp' | 'userinfo' | null {
  if (text === PROXY_DIRECT) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'notUrl';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'notHttp';
  // Settings are plain files (and a policy is readable by every user): no passwords in them.
  if (url.username || url.password) return 'userinfo';
  return null;
}

/**
 * The loopback address the browser's sign-in answer comes back to: registered
 * with Concur for the app, and listened on once per sign-in.
 */
export const redirectUriSchema = z.string().superRefine((text, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // said below
  }
  if (!url || url.protocol !== 'http:' || !isLoopbackHost(url.hostname) || !url.port)
    ctx.addIssue({
      code: 'custom',
      message: 'must be a loopback address with a port, e.g. http://127.0.0.1:53682/callback',
    });
});

/** OAuth2 sign-in with automatic renewal (docs/architecture.md#signing-in-to-concur). */
export const oauth2Schema = z.strictObject({
  /** The app registration's client id; its secret lives in the keychain or CONCUR_DROP_CLIENT_SECRET. */
  clientId: z.string().trim().min(1, 'the client id of the Concur app registration is required'),
  redirectUri: redirectUriSchema.default('http://127.0.0.1:53682/callback'),
  /** The scopes asked for at sign-in, space-separated. */
  scope: z.string().trim().min(1).default('openid'),
});

export const concurSchema = z.strictObject({
  baseUrl: baseUrlSchema.default('https://www.concursolutions.com'),
  authScheme: z.enum(['OAuth', 'Bearer']).default('OAuth'),
  /** Set: this account signs in with OAuth2 (Bearer tokens that renew); unset: a pasted token. */
  oauth2: oauth2Schema.optional(),
});

/** One Concur account of several (a shared scanner PC: Scans/alice for Alice, Scans/bob for Bob). */
export const accountSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .regex(/^[\w .@+-]{1,64}$/, 'an account name is 1–64 letters, digits, spaces or . @ + - _'),
  concur: concurSchema.prefault({}),
});

export const settingsSchema = z.strictObject({
  concur: concurSchema.prefault({}),
  /** Several accounts; empty: the one `concur` account. */
  accounts: z
    .array(accountSchema)
    .superRefine((accounts, ctx) => {
      const seen = new Set<string>();
      accounts.forEach((a, i) => {
        if (seen.has(a.name))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `"${a.name}" is named twice`,
          });
        seen.add(a.name);
      });
    })
    .default([]),
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
  /** TIFF, HEIC, WebP, GIF and BMP become JPEG, PNG or PDF before upload. */
  convert: z.boolean().default(true),
  /** Files over Concur's 10 MB are re-encoded or re-rendered to fit. */
  shrink: z.boolean().default(true),
  /** Desktop only: notifications when uploads finish or fail. */
  notifications: z.boolean().default(true),
  /** Desktop only: start Concur Drop when the user logs in. */
  startAtLogin: z.boolean().default(true),
  /** The window's colours: follow the OS, or always light or dark. */
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  /** The proxy to Concur, or "direct"; unset: the OS settings (desktop) or HTTPS_PROXY/NO_PROXY (CLI). */
  proxy: z
    .string()
    .superRefine((text, ctx) => {
      const problem = proxySettingProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** PEM certificates trusted besides Node's and the OS's (a company's TLS inspection root). */
  caFile: z.string().min(1, 'a file path is required').optional(),
  /** The language of the window, tray, notifications, error files and CLI; "system" follows the OS. */
  language: z.enum(['system', 'en', 'de', 'fr', 'es', 'ja']).default('system'),
});

export type Settings = z.output<typeof settingsSchema>;
export type AccountSettings = z.output<typeof accountSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;
export type FolderSettings = z.output<typeof folderSchema>;
export type Route = z.output<typeof routeSchema>;
export type ConcurSettings = z.output<typeof concurSchema>;
export type OAuth2Settings = z.output<typeof oauth2Schema>;

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
  const issues = unknownAccounts(result.data);
  if (issues.length)
    throw new SettingsError(`Invalid ${source}:\n  ${issues.join('\n  ')}`, issues);
  return result.data;
}

/** Folders that name an account the settings do not have. */
function unknownAccounts(settings: Settings): string[] {
  const names = new Set(settings.accounts.map((a) => a.name));
  const issues: string[] = [];
  settings.folders.forEach((folder, i) => {
    if (folder.account === undefined || names.has(folder.account)) return;
    issues.push(
      names.size
        ? `folders.${i}.account: there is no account named "${folder.account}" in "accounts"`
        : `folders.${i}.account: names an account, but the settings list no "accounts"`,
    );
  });
  return issues;
}
