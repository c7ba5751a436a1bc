import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { SANDBOX_APP, SANDBOX_USER } from '../../sandbox/oauth2.js';
import { EXIT, parseCommand, portFlag, portRefused, UsageError } from '../args.js';
import { cli } from '../language.js';
import { untilSignal } from '../signals.js';
import { helpText, SANDBOX_USAGE } from '../usage.js';

/** `concur-drop sandbox`: the local Concur-compatible service until SIGINT/SIGTERM. */
export async function sandboxCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {
    usage: SANDBOX_USAGE,
    options: {
      port: { type: 'string' },
      token: { type: 'string' },
      'token-lifetime': { type: 'string' },
      geolocation: { type: 'string' },
      'strict-rotation': { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(helpText('sandbox', SANDBOX_USAGE));
    return EXIT.ok;
  }
  const port = portFlag(values.port, '--port', SANDBOX_USAGE);
  const lifetime = values['token-lifetime'];
  if (lifetime !== undefined && !/^[1-9]\d{0,6}$/.test(lifetime))
    throw new UsageError(cli().t('cli.sandbox.badLifetime', { value: lifetime }));
  const geolocation = geolocationFlag(values.geolocation);
  const sandbox = await startSandbox({
    port,
    token: values.token,
    tokenLifetimeS: lifetime === undefined ? undefined : Number(lifetime),
    geolocation: geolocation?.href.replace(/\/$/, ''),
    strictRotation: values['strict-rotation'] ?? false,
  }).catch((error: unknown) => {
    throw (port !== undefined && portRefused(error, port, '--port')) || error;
  });
  let second: Sandbox | undefined;
  if (
    geolocation &&
    geolocation.hostname === '127.0.0.1' &&
    geolocation.port !== String(sandbox.port)
  )
    second = await startSandbox({
      port: Number(geolocation.port),
      token: values.token,
      oauth2: sandbox.oauth2,
    });
  const t = cli().t;
  console.log(t('cli.sandbox.listening', { url: sandbox.url }));
  if (second) console.log(t('cli.sandbox.second', { url: second.url }));
  console.log(
    t('cli.sandbox.token', {
      token: sandbox.token,
      config: `"concur": { "baseUrl": "${sandbox.url}" }`,
    }),
  );
  console.log(
    t('cli.sandbox.signIn', {
      config: `"oauth2": { "clientId": "${SANDBOX_APP.clientId}", "redirectUri": "${SANDBOX_APP.redirectUris[0]}" }`,
      secret: `CONCUR_DROP_CLIENT_SECRET=${SANDBOX_APP.clientSecret}`,
      user: SANDBOX_USER.username,
      password: SANDBOX_USER.password,
    }),
  );
  console.log(t('cli.sandbox.stop'));
  await untilSignal();
  await second?.close();
  await sandbox.close();
  return EXIT.ok;
}

function geolocationFlag(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // said below
  }
  throw new UsageError(cli().t('cli.sandbox.badGeolocation', { value }));
}
