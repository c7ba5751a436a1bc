import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import { SANDBOX_APP, SANDBOX_USER } from '../../sandbox/oauth2.js';
import { EXIT, parseCommand, portFlag, portRefused, UsageError } from '../args.js';
import { untilSignal } from '../signals.js';
import { SANDBOX_USAGE } from '../usage.js';

const HELP = `${SANDBOX_USAGE}

A local Concur-compatible Image service on 127.0.0.1 for trying Concur Drop
without a Concur account. Runs until Ctrl-C.
  --port N                  the port (default: a free one)
  --token T                 a fixed token it accepts (default: sandbox-token)
  --token-lifetime SECONDS  how long the access tokens its sign-in issues live (default 3600)
  --geolocation URL         the data center its sign-in says users live in; a
                            http://127.0.0.1:PORT address is served by this sandbox too
  --strict-rotation         a refresh token is spent the moment it is used (default:
                            once the token that replaced it has been used)`;

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
    console.log(HELP);
    return EXIT.ok;
  }
  const port = portFlag(values.port, '--port', SANDBOX_USAGE);
  const lifetime = values['token-lifetime'];
  if (lifetime !== undefined && !/^[1-9]\d{0,6}$/.test(lifetime))
    throw new UsageError(`--token-lifetime must be a number of seconds, not "${lifetime}"`);
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
  console.log(`Concur sandbox listening on ${sandbox.url}`);
  if (second) console.log(`Users live in the second data center on ${second.url}`);
  console.log(
    `It accepts the token "${sandbox.token}": use CONCUR_DROP_TOKEN=${sandbox.token} and`,
  );
  console.log(`"concur": { "baseUrl": "${sandbox.url}" } in the config file.`);
  console.log(
    `Sign-in: "oauth2": { "clientId": "${SANDBOX_APP.clientId}", "redirectUri": "${SANDBOX_APP.redirectUris[0]}" }` +
      ` with CONCUR_DROP_CLIENT_SECRET=${SANDBOX_APP.clientSecret}; user ${SANDBOX_USER.username}, password ${SANDBOX_USER.password}.`,
  );
  console.log('Ctrl-C stops it.');
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
  throw new UsageError(`--geolocation must be a URL such as http://127.0.0.1:8091, not "${value}"`);
}
