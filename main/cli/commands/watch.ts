import { resolve } from 'node:path';
import type { Engine } from '../../engine/engine.js';
import { LedgerLockedError } from '../../engine/ledger/ledger.js';
import { createLogger } from '../../engine/log/logger.js';
import { accountFor } from '../../engine/secrets/secret-store.js';
import type { EngineEventMap, Job } from '../../engine/types.js';
import { CommandError, EXIT, parseCommand, portFlag, portRefused, UsageError } from '../args.js';
import { accountTokens, loadSettings, openDataDir, tokenFor } from '../host.js';
import { findAccount } from '../../engine/settings/accounts.js';
import type { OAuth2Account } from '../../engine/auth/account-auth.js';
import type { SecretStore } from '../../engine/ports.js';
import { english, type Message } from '../../engine/i18n/translate.js';
import { cli, NOT_SIGNED_IN, useConfigLanguage } from '../language.js';
import { summarize, type JobOutcome } from '../ledger-view.js';
import {
  batchedLines,
  engineEventJson,
  jsonLine,
  readableReporter,
  summaryLine,
} from '../output.js';
import { untilSignal } from '../signals.js';
import { startBrowserUi } from '../ui.js';
import { signInPort } from '../../engine/api/sign-in-port.js';
import { helpText, WATCH_USAGE } from '../usage.js';

const log = createLogger('cli');

const EVENTS: (keyof EngineEventMap)[] = [
  'job',
  'summary',
  'paused',
  'resumed',
  'root-unavailable',
  'root-available',
  'notice',
];

/** `concur-drop watch`: the engine over the configured folders until a signal, or once. */
export async function watchCommand(
  argv: string[],
  /** The demo's own in-memory keychain and the sign-in it made there. */
  host: { keychain?: SecretStore; onSignIn?: (account: OAuth2Account) => Promise<void> } = {},
): Promise<number> {
  const { values } = parseCommand(argv, {
    usage: WATCH_USAGE,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      once: { type: 'boolean' },
      json: { type: 'boolean' },
      'ui-port': { type: 'string' },
    },
  });
  if (values.help) {
    console.log(helpText('watch', WATCH_USAGE));
    return EXIT.ok;
  }
  if (!values.config) throw new UsageError(cli().t('cli.watchNeedsConfig'), WATCH_USAGE);
  const uiPort = portFlag(values['ui-port'], '--ui-port', WATCH_USAGE);
  const { settings, configDir } = loadSettings(values.config);
  useConfigLanguage(settings.language);
  if (settings.folders.length === 0)
    throw new UsageError(cli().t('cli.noFolders', { file: values.config }));
  const dataDir = openDataDir(values['data-dir']);
  const json = values.json ?? false;
  const stdout = batchedLines((text) => process.stdout.write(text));
  const out = (line: string) => stdout.line(line);

  const accounts = accountTokens(settings, host.keychain);
  const first = [...accounts.values()][0];
  if (first.oauth2) await host.onSignIn?.(first.oauth2);
  const getToken = first.getToken;
  const managers = [...accounts.values()].flatMap((a) => (a.oauth2 ? [a.oauth2.manager] : []));
  // --json keeps the English words tools read; people read their language.
  const say = (event: string, message: string, words = message) => {
    if (json) out(jsonLine(event, { message }));
    else console.error(words);
  };
  const many = settings.accounts.length > 0;
  let memoryTold = false;
  for (const [name, { oauth2 }] of accounts) {
    const who = many ? `${name}: ` : '';
    if (oauth2) {
      const state = await oauth2.manager.state();
      if (!state.signedIn)
        say(
          'token-missing',
          who + english.say(state.problemText ?? NOT_SIGNED_IN),
          who + cli().say(state.problemText ?? NOT_SIGNED_IN),
        );
      if (!memoryTold && (await oauth2.sessions.where()) === 'memory') {
        memoryTold = true;
        say(
          'keychain-missing',
          english.t('cli.signin.memoryRun', { env: oauth2.refreshTokenEnv }),
          cli().t('cli.signin.memoryRun', { env: oauth2.refreshTokenEnv }),
        );
      }
    } else {
      const found = await tokenFor(findAccount(settings, name)!.concur.baseUrl).lookup();
      // Not fatal: the engine holds uploads as "sign-in needed" until a token appears.
      if (found.token === null)
        say(
          'token-missing',
          who + found.reason,
          who + cli().words('text' in found ? found.text : undefined, found.reason),
        );
    }
  }

  // Loaded only now: a config or usage error is reported without loading the whole engine.
  const { createEngine } = await import('../../engine/engine.js');
  const engine = createEngine({
    settings,
    dataDir,
    getToken,
    tokens: first.oauth2?.manager,
    accountAuth: (name) => {
      const account = accounts.get(name);
      return account && { getToken: account.getToken, tokens: account.oauth2?.manager };
    },
    configDir,
    ownFiles: [resolve(values.config)],
  });
  // What --once judges of every job this run touched (only these, not old history): the
  // fields the summary needs, not the whole job, so a backlog of 20,000 stays small.
  const touched = new Map<string, JobOutcome>();
  const readable = readableReporter(out);
  // Readable output prints no summaries: not listening spares the engine computing one per tick.
  for (const event of json ? EVENTS : EVENTS.filter((e) => e !== 'summary')) {
    engine.on(event, (...args: unknown[]) => {
      if (event === 'job') {
        const { id, state, root, finishedAt, updatedAt } = args[0] as Job;
        touched.set(id, { state, root, finishedAt, updatedAt });
      }
      if (json) out(engineEventJson(event, args as never));
      else reportReadable(readable, event, args);
    });
  }

  log.info('watch starting', {
    dataDir,
    roots: settings.folders.map((f) => f.path),
    once: !!values.once,
  });
  // The browser's port first: one already taken is a setup error, and nothing has started yet.
  const ui =
    uiPort === undefined
      ? undefined
      : await startBrowserUi({
          engine,
          configPath: values.config,
          port: uiPort,
          account: accountFor(settings.concur.baseUrl),
          // The page opens Concur's address in a tab; this process listens for the answer.
          signIn: signInPort({
            account: (name) => (name === undefined ? first : accounts.get(name))?.oauth2 ?? null,
            changed: (name) => engine.tokenChanged(name),
            language: () => settings.language,
          }),
        }).catch((error: unknown) => {
          log.error('the status window could not listen', { port: uiPort, error });
          throw portRefused(error, uiPort, '--ui-port') ?? error;
        });
  try {
    await engine.start();
  } catch (error) {
    await ui?.close();
    stdout.flush();
    // Two watchers on one data dir would upload everything twice: a setup error, like a bad config.
    if (error instanceof LedgerLockedError) throw new CommandError(error.message, EXIT.usage);
    // No room even to start (the lock, the ledger): nothing was done; say so plainly and stop.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      log.error('the data folder has no space to start', { error });
      throw new CommandError(cli().t('cli.diskFullStart', { dir: dataDir }), EXIT.failed);
    }
    throw error;
  }
  for (const manager of managers) manager.start();
  if (ui) {
    if (json) out(jsonLine('ui', { url: ui.url }));
    else console.error(cli().t('cli.browser', { url: ui.url }));
  }

  if (!values.once) {
    followTokenChanges(engine, getToken);
    if (!json)
      console.error(
        cli().t('cli.watching', { folders: settings.folders.map((f) => f.path).join(', ') }),
      );
    const signal = await untilSignal();
    log.info('watch stopping', { signal });
    await ui?.close();
    for (const manager of managers) manager.stop();
    await engine.stop();
    stdout.flush();
    return EXIT.ok;
  }

  // --once: every file present at start, with its merge windows and retries.
  const stopping = untilSignal().then(() => 'signal' as const);
  const finished = await Promise.race([engine.whenIdle().then(() => 'idle' as const), stopping]);
  const { pausedBy, unavailableRoots, signInNeeded } = engine.summary();
  await ui?.close();
  for (const manager of managers) manager.stop();
  await engine.stop();
  stdout.flush();
  if (finished === 'signal') return EXIT.ok;

  const jobs = [...touched.values()];
  const summary = {
    ...summarize(jobs),
    pausedBy,
    unavailableRoots,
    roots: settings.folders.map((f) => f.path),
    ...(signInNeeded ? { signInNeeded } : {}),
  };
  // A folder that could not be reached had files nobody looked at: not a success.
  // A full data disk stops everything until someone frees space: say so now rather than wait.
  const code =
    pausedBy === 'disk-full'
      ? EXIT.failed
      : pausedBy === 'sign-in' || jobs.some((j) => j.state === 'paused')
        ? EXIT.tokenRefused
        : jobs.some((j) => j.state === 'failed') || unavailableRoots.length > 0
          ? EXIT.failed
          : EXIT.ok;
  if (json) out(jsonLine('done', { exitCode: code, summary }));
  else console.error(summaryLine(summary));
  stdout.flush();
  return code;
}

/** How often a sign-in pause looks for a new token (`token set` in another terminal); tests shorten it. */
const TOKEN_POLL_MS = Number(process.env.CONCUR_DROP_TOKEN_POLL_MS) || 10_000;

/**
 * While uploads wait for sign-in, look for a new token now and then: the
 * desktop app tells the engine when the user saves one, but here it arrives
 * by `concur-drop token set` from another shell, or not at all.
 */
function followTokenChanges(engine: Engine, getToken: () => Promise<string | null>): void {
  let timer: NodeJS.Timeout | undefined;
  engine.on('paused', async (reason) => {
    if (reason !== 'sign-in' || timer) return;
    const refused = await getToken();
    timer = setInterval(async () => {
      const current = await getToken();
      if (current && current !== refused) {
        clearInterval(timer);
        timer = undefined;
        engine.tokenChanged();
      }
    }, TOKEN_POLL_MS);
    timer.unref();
  });
  engine.on('resumed', () => {
    clearInterval(timer);
    timer = undefined;
  });
}

function reportReadable(
  readable: ReturnType<typeof readableReporter>,
  event: keyof EngineEventMap,
  args: unknown[],
): void {
  switch (event) {
    case 'job':
      return readable.job(args[0] as Job);
    case 'paused':
      return readable.paused(args[0] as string, args[1] as string, args[2] as Message | undefined);
    case 'resumed':
      return readable.resumed();
    // A folder coming and going is told once, by the engine's notice in plain words.
    case 'notice':
      return readable.notice(args[0] as EngineEventMap['notice'][0]);
  }
}
