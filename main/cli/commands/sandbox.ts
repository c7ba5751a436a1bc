import { startSandbox } from '../../sandbox/sandbox.js';
import { EXIT, parseCommand, portFlag, portRefused } from '../args.js';
import { untilSignal } from '../signals.js';
import { SANDBOX_USAGE } from '../usage.js';

const HELP = `${SANDBOX_USAGE}

A local Concur-compatible Image service on 127.0.0.1 for trying Concur Drop
without a Concur account. Runs until Ctrl-C.
  --port N    the port (default: a free one)
  --token T   the token it accepts (default: sandbox-token)`;

/** `concur-drop sandbox`: the local Concur-compatible service until SIGINT/SIGTERM. */
export async function sandboxCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {
    usage: SANDBOX_USAGE,
    options: { port: { type: 'string' }, token: { type: 'string' } },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const port = portFlag(values.port, '--port', SANDBOX_USAGE);
  const sandbox = await startSandbox({ port, token: values.token }).catch((error: unknown) => {
    throw (port !== undefined && portRefused(error, port, '--port')) || error;
  });
  console.log(`Concur sandbox listening on ${sandbox.url}`);
  console.log(
    `It accepts the token "${sandbox.token}": use CONCUR_DROP_TOKEN=${sandbox.token} and`,
  );
  console.log(`"concur": { "baseUrl": "${sandbox.url}" } in the config file. Ctrl-C stops it.`);
  await untilSignal();
  await sandbox.close();
  return EXIT.ok;
}
