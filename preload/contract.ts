import { z } from 'zod';
import { settingsSchema } from '../main/engine/settings/schema.js';
import type { Job, JobFilter, Summary } from '../main/engine/types.js';
import type { Settings } from '../main/engine/settings/schema.js';
import type { Message } from '../main/engine/i18n/translate.js';

/**
 * The one contract between main, preload and renderer (and the browser UI
 * served by `concur-drop watch --ui-port`): channel → argument schema → result
 * type. Main validates every call's sender and arguments against these
 * schemas; the preload exposes each call as a domain verb; the renderer's
 * `window.concurDrop` type is derived from here, never written by hand.
 *
 * Adding a call: add it to `calls` with its schema and result type, implement
 * it in main/engine/api/api-handlers.ts (shared by IPC and the browser server), and
 * the preload and renderer types follow.
 */

const jobId = z.string().min(1).max(64);
/** An account's name (settings.accounts[].name); absent, the first account. */
const accountName = z.string().min(1).max(64).optional();
const filter = z.enum(['all', 'active', 'failed']) satisfies z.ZodType<JobFilter>;

/** Settings as the renderer sees them: never the token, only whether one is stored. */
export interface SettingsView {
  settings: Settings;
  /** A token is stored for the configured base URL. */
  signedIn: boolean;
  /** 'unavailable' when the OS has no keychain (Linux without a Secret Service). */
  keychain: 'available' | 'unavailable';
  keychainMessage?: string;
  /** Where the settings came from had to be reset: the reason, e.g. a corrupt file kept as a backup. */
  settingsWarning?: string;
  /** `settingsWarning` as catalog keys, for the window's language. */
  settingsWarningText?: Message[];
  /** Settings the organisation's policy holds ("concur.baseUrl", "folders"): shown read-only. */
  locked?: string[];
}

/**
 * The account's sign-in as the renderer sees it (docs/architecture.md#signing-in-to-concur):
 * who, since when, until when; never a token.
 */
export interface SignInView {
  /** 'oauth2': "Sign in with SAP Concur"; 'token': a pasted token (Advanced). */
  mode: 'oauth2' | 'token';
  signedIn: boolean;
  userName?: string;
  userId?: string;
  /** When the user signed in (ms since the epoch). */
  since?: number;
  /** When the sign-in ends unless renewed, if Concur said. */
  until?: number;
  /** Why not signed in, or why the last sign-in did not work, in plain words. */
  problem?: string;
  /** `problem` as a catalog key, for the window's language. */
  problemText?: Message;
}

/** One account of the settings on the Account page: its name and address, and its sign-in. */
export interface AccountView extends SignInView {
  /** The account's name ("default" for the one `concur` account). */
  name: string;
  /** The configured base URL (not the geolocation Concur moved calls to). */
  baseUrl: string;
}

/** Where to send the browser to sign in, or why the sign-in could not start. */
export type SignInStart = { url: string } | { problem: string };

export type SaveResult =
  | { ok: true }
  /** `issues` name the key, in English; `issueTexts` the same for the window's language, when main has them. */
  | { ok: false; issues: string[]; issueTexts?: Message[] };
/** `message` in English; `text` the same as a catalog key, for the window's language. */
export type CheckResult = {
  ok: boolean;
  message: string;
  text?: Message;
  /** Done, but with something to heed (shown amber, not as a success). */
  warning?: boolean;
};
export interface AppInfo {
  mode: 'desktop' | 'browser';
  version: string;
  platform: string;
}

function call<Args extends z.ZodTuple<z.core.util.TupleItems, null>, Result>(args: Args) {
  return { args, result: undefined as unknown as Result };
}

export const calls = {
  getJobs: call<z.ZodTuple<[typeof filter, z.ZodOptional<z.ZodNumber>], null>, Job[]>(
    z.tuple([filter, z.number().int().min(1).max(100_000).optional()]),
  ),
  getSummary: call<z.ZodTuple<[], null>, Summary>(z.tuple([])),
  retry: call<z.ZodTuple<[typeof jobId], null>, boolean>(z.tuple([jobId])),
  retryAllFailed: call<z.ZodTuple<[], null>, number>(z.tuple([])),
  /** "Upload without it": the batch waiting for this failed file goes without it. */
  sendWithout: call<z.ZodTuple<[typeof jobId], null>, boolean>(z.tuple([jobId])),
  pause: call<z.ZodTuple<[], null>, void>(z.tuple([])),
  resume: call<z.ZodTuple<[], null>, void>(z.tuple([])),
  /** Reveals a job's file; main resolves the path and allows only paths inside watched roots. */
  showInFolder: call<z.ZodTuple<[typeof jobId], null>, boolean>(z.tuple([jobId])),
  /**
   * Where a job's file is now, inside the watched roots (null otherwise): the
   * browser view shows it with a Copy button, as its page cannot open the
   * watching machine's file manager.
   */
  locateJob: call<z.ZodTuple<[typeof jobId], null>, string | null>(z.tuple([jobId])),
  /** Opens a watched root in the file manager; refused for anything not a configured root. */
  openRoot: call<z.ZodTuple<[z.ZodString], null>, boolean>(z.tuple([z.string().min(1).max(4096)])),
  getSettings: call<z.ZodTuple<[], null>, SettingsView>(z.tuple([])),
  /** Validated again in main with the engine's schema; issues name the key. */
  saveSettings: call<z.ZodTuple<[z.ZodUnknown], null>, SaveResult>(z.tuple([z.unknown()])),
  /** Saves the token to the OS keychain. It is never sent back. */
  setToken: call<z.ZodTuple<[z.ZodString], null>, CheckResult>(
    z.tuple([z.string().trim().min(1).max(8192)]),
  ),
  clearToken: call<z.ZodTuple<[], null>, void>(z.tuple([])),
  checkConnection: call<z.ZodTuple<[], null>, CheckResult>(z.tuple([])),
  /** Native folder picker; null when cancelled or when there is none (browser view). */
  pickFolder: call<z.ZodTuple<[], null>, string | null>(z.tuple([])),
  getAppInfo: call<z.ZodTuple<[], null>, AppInfo>(z.tuple([])),
  /** Who is signed in to Concur (OAuth2) on the account (default the first), and since when. */
  getSignIn: call<z.ZodTuple<[typeof accountName], null>, SignInView>(z.tuple([accountName])),
  /** Every account of the settings, each with its sign-in. */
  getAccounts: call<z.ZodTuple<[], null>, AccountView[]>(z.tuple([])),
  /**
   * Signs the account in; resolves once the browser answered. The desktop opens the
   * system browser; the browser view first asks beginSignIn for the address.
   */
  signIn: call<z.ZodTuple<[typeof accountName], null>, SignInView>(z.tuple([accountName])),
  /**
   * The browser view's first half of signIn: starts the account's sign-in (its
   * loopback listener in the watching process) and answers the address the page
   * opens in a new tab; signIn then waits for the answer.
   */
  beginSignIn: call<z.ZodTuple<[typeof accountName], null>, SignInStart>(z.tuple([accountName])),
  /** Revokes the account's connection at Concur and forgets its tokens. */
  signOut: call<z.ZodTuple<[typeof accountName], null>, SignInView>(z.tuple([accountName])),
} as const;

/** Events main pushes to the renderer. */
export interface EventPayloads {
  job: Job;
  summary: Summary;
  /** A notification was clicked: show this job. */
  focusJob: string;
  notice: { level: 'info' | 'warn' | 'error'; message: string; text?: Message };
}

export type CallName = keyof typeof calls;
export type CallArgs<K extends CallName> = z.output<(typeof calls)[K]['args']>;
export type CallResult<K extends CallName> = (typeof calls)[K]['result'];
export type EventName = keyof EventPayloads;

/** IPC channel names: one namespace, so nothing else can collide. */
export const callChannel = (name: CallName) => `concur-drop:call:${name}` as const;
export const eventChannel = (name: EventName) => `concur-drop:event:${name}` as const;
export const CALL_NAMES = Object.keys(calls) as CallName[];
export const EVENT_NAMES: EventName[] = ['job', 'summary', 'focusJob', 'notice'];

const capitalize = <S extends string>(s: S) => (s[0].toUpperCase() + s.slice(1)) as Capitalize<S>;
/** `job` → `onJob`. */
export const subscriptionName = <E extends EventName>(e: E) =>
  `on${capitalize(e)}` as `on${Capitalize<E>}`;

/** What `window.concurDrop` offers: one verb per call, one subscription per event. */
export type ConcurDropApi = {
  [K in CallName]: (...args: CallArgs<K>) => Promise<CallResult<K>>;
} & {
  [E in EventName as `on${Capitalize<E>}`]: (
    listener: (payload: EventPayloads[E]) => void,
  ) => () => void;
};

/** Validates a call's arguments; returns null when they do not fit. */
export function parseArgs<K extends CallName>(name: K, args: unknown): CallArgs<K> | null {
  const result = calls[name].args.safeParse(args);
  return result.success ? (result.data as CallArgs<K>) : null;
}

export { settingsSchema };
