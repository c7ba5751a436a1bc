import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startSandbox } from '../../sandbox/sandbox.js';
import { EXIT, parseCommand } from '../args.js';
import { watchCommand } from './watch.js';
import { DEMO_USAGE } from '../usage.js';

const HELP = `${DEMO_USAGE}

Try Concur Drop without a Concur account: starts the local sandbox on a free
port, creates ./concur-drop-demo/ with example folders and watches it until Ctrl-C.`;

/** The demo's example targets; the ids are the sandbox's, any valid id works there. */
const EXAMPLES = [
  {
    folder: join('report', 'Berlin trip [DEMO-REPORT-1]'),
    what: 'appended to report "Berlin trip"',
  },
  {
    folder: join('entry', 'Taxi [DEMO-ENTRY-1]'),
    what: 'attached to the expense entry "Taxi" (several files within 5 s become one PDF)',
  },
  { folder: join('invoice', 'Acme [DEMO-INV-1]'), what: 'attached to the invoice "Acme"' },
];

/**
 * `concur-drop demo`: the sandbox plus a watched ./concur-drop-demo folder.
 * The watched root is its Scans/ subfolder, so README.txt and the demo's own
 * config and data (in the hidden .concur-drop/) are never taken for scans.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { usage: DEMO_USAGE, options: {} });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const sandbox = await startSandbox({ token: `demo-${randomBytes(9).toString('base64url')}` });
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
        { concur: { baseUrl: sandbox.url }, folders: [{ path: '../Scans' }], batchWindowMs: 5000 },
        null,
        2,
      ) + '\n',
    );
    const guide = tryThis(scans);
    await writeFile(join(demo, 'README.txt'), guide + '\n');
    // The sandbox token lives in this process only: never in the keychain.
    process.env.CONCUR_DROP_TOKEN = sandbox.token;

    console.log(`Concur Drop demo: a local Concur sandbox runs on ${sandbox.url}\n`);
    console.log(guide);
    console.log('\nCtrl-C ends the demo.\n');
    return await watchCommand(['--config', config, '--data-dir', join(own, 'data')]);
  } finally {
    await sandbox.close();
  }
}

function tryThis(scans: string): string {
  return [
    `Drop a PDF/JPEG/PNG into ${scans}`,
    '  → it goes to the receipt store, then moves to Scans/Uploaded/.',
    ...EXAMPLES.map((e) => `Drop one into ${join(scans, e.folder)}\n  → ${e.what}.`),
    'A file Concur would refuse (a text file, an empty one) ends in Scans/Failed/ with a .error.txt saying why.',
    'Everything here talks to the local sandbox only: nothing reaches a real Concur account.',
  ].join('\n');
}
