import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { requestTokens } from '../../engine/auth/token-endpoint.js';
import type { SecretStore } from '../../engine/ports.js';
import { SANDBOX_APP, SANDBOX_USER } from '../../sandbox/oauth2.js';
import { startSandbox } from '../../sandbox/sandbox.js';
import { EXIT, parseCommand } from '../args.js';
import { cli } from '../language.js';
import { watchCommand } from './watch.js';
import { helpText, DEMO_USAGE } from '../usage.js';

const DEMO_TOKEN_LIFETIME_S = 80;

/** A keychain for the demo's own sign-in that lives and dies with the process. */
function demoKeychain(): SecretStore {
  const entries = new Map<string, string>();
  return {
    get: async (account) => entries.get(account) ?? null,
    set: async (account, secret) => void entries.set(account, secret),
    delete: async (account) => entries.delete(account),
    availability: async () => ({ available: true }),
  };
}

/** The demo's example targets; the ids are the sandbox's, any valid id works there. */
const EXAMPLES = [
  { folder: join('report', 'Berlin trip [DEMO-REPORT-1]'), what: 'cli.demo.report' },
  { folder: join('entry', 'Taxi [DEMO-ENTRY-1]'), what: 'cli.demo.entry' },
  { folder: join('invoice', 'Acme [DEMO-INV-1]'), what: 'cli.demo.invoice' },
];

/**
 * `concur-drop demo`: the sandbox plus a watched ./concur-drop-demo folder.
 * The watched root is its Scans/ subfolder, so README.txt and the demo's own
 * config and data (in the hidden .concur-drop/) are never taken for scans.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { usage: DEMO_USAGE, options: {} });
  if (values.help) {
    console.log(helpText('demo', DEMO_USAGE));
    return EXIT.ok;
  }
  // Access lasts 80 s and is renewed 20 s before it ends: a renewal every minute, to watch.
  const sandbox = await startSandbox({
    token: `demo-${randomBytes(9).toString('base64url')}`,
    tokenLifetimeS: DEMO_TOKEN_LIFETIME_S,
  });
  try {
    const demo = resolve('concur-drop-demo');
    const scans = join(demo, 'Scans');
    const own = join(demo, '.concur-drop');
    for (const example of EXAMPLES) await mkdir(join(scans, example.folder), { recursive: true });
    await mkdir(own, { recursive: true });
    const config = join(own, 'config.json');
    await writeFile(
      config,
      JSON.stringify(
        {
          concur: {
            baseUrl: sandbox.url,
            oauth2: { clientId: SANDBOX_APP.clientId, redirectUri: SANDBOX_APP.redirectUris[0] },
          },
          folders: [{ path: '../Scans' }],
          batchWindowMs: 5000,
        },
        null,
        2,
      ) + '\n',
    );
    const guide = tryThis(scans);
    await writeFile(join(demo, 'README.txt'), guide + '\n');
    // The sandbox's secrets live in this process only: never in the keychain.
    process.env.CONCUR_DROP_CLIENT_SECRET = SANDBOX_APP.clientSecret;

    console.log(`${cli().t('cli.demo.runs', { url: sandbox.url })}\n`);
    console.log(guide);
    console.log(`\n${cli().t('cli.demo.stop')}\n`);
    return await watchCommand(['--config', config, '--data-dir', join(own, 'data')], {
      keychain: demoKeychain(),
      onSignIn: async (account) => {
        // Signed in as the sandbox's user, as IT would with a password grant.
        const answer = await requestTokens(sandbox.url, {
          grant_type: 'password',
          username: SANDBOX_USER.username,
          password: SANDBOX_USER.password,
          credtype: 'password',
          client_id: SANDBOX_APP.clientId,
          client_secret: SANDBOX_APP.clientSecret,
        });
        if (answer.kind !== 'tokens') throw new Error(cli().t('cli.demo.refused'));
        const state = await account.manager.signedIn(answer.tokens);
        console.log(
          `${cli().t('cli.demo.signedIn', { user: state.userName, seconds: DEMO_TOKEN_LIFETIME_S })}\n`,
        );
      },
    });
  } finally {
    await sandbox.close();
  }
}

function tryThis(scans: string): string {
  const t = cli().t;
  return [
    t('cli.demo.dropReceipt', { folder: scans }),
    ...EXAMPLES.map(
      (e) => `${t('cli.demo.dropInto', { folder: join(scans, e.folder) })}\n  → ${t(e.what)}`,
    ),
    t('cli.demo.failed'),
    t('cli.demo.local'),
  ].join('\n');
}
