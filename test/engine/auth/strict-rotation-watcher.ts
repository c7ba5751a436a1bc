import { oauth2Account, type OAuth2Account } from '../../../main/engine/auth/account-auth.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import type { SecretStore } from '../../../main/engine/ports.js';
import { parseSettings } from '../../../main/engine/settings/schema.js';
import { SANDBOX_APP } from '../../../main/sandbox/oauth2.js';

/**
 * One account (named, as with several) watching one folder with OAuth2, as a
 * host builds it: shared by the process the strict-rotation test kills and
 * the restart it then looks at.
 */
export async function watchAs(options: {
  baseUrl: string;
  account: string;
  root: string;
  dataDir: string;
  keychain: SecretStore;
}): Promise<{ engine: Engine; oauth2: OAuth2Account }> {
  const concur = { baseUrl: options.baseUrl, oauth2: { clientId: SANDBOX_APP.clientId } };
  const settings = parseSettings({
    accounts: [{ name: options.account, concur }],
    folders: [{ path: options.root, account: options.account }],
    settleMs: 100,
  });
  const oauth2 = oauth2Account(
    { ...settings.accounts[0].concur, oauth2: settings.accounts[0].concur.oauth2! },
    {
      name: options.account,
      first: true,
      keychain: options.keychain,
      env: { CONCUR_DROP_CLIENT_SECRET: SANDBOX_APP.clientSecret },
    },
  );
  const getToken = () => oauth2.manager.token().catch(() => null);
  const engine = createEngine({
    settings,
    dataDir: options.dataDir,
    getToken,
    accountAuth: () => ({ getToken, tokens: oauth2.manager }),
    tokenRecheckMs: 200,
  });
  await engine.start();
  oauth2.manager.start();
  return { engine, oauth2 };
}
