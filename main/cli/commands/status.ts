import { EXIT, parseCommand } from '../args.js';
import { openExistingDataDir } from '../host.js';
import { readLedgerJobs, summarize } from '../ledger-view.js';
import { cli } from '../language.js';
import { jobLine, summaryLine } from '../output.js';
import { helpText, STATUS_USAGE } from '../usage.js';

/** Readable output shows this many jobs; --json up to JSON_LIMIT. */
const READABLE_LIMIT = 20;
const JSON_LIMIT = 200;

/** `concur-drop status`: summary and latest jobs, read from the ledger. */
export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {
    usage: STATUS_USAGE,
    options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(helpText('status', STATUS_USAGE, { limit: JSON_LIMIT }));
    return EXIT.ok;
  }
  const dataDir = openExistingDataDir(values['data-dir']);
  const jobs = (await readLedgerJobs(dataDir)).sort((a, b) => b.updatedAt - a.updatedAt);
  const summary = summarize(jobs);
  if (values.json) {
    console.log(JSON.stringify({ summary, jobs: jobs.slice(0, JSON_LIMIT) }));
    return EXIT.ok;
  }
  const tr = cli();
  console.log(summaryLine(summary, tr));
  // Jobs here may be days old: each line carries its date, in local time.
  for (const job of jobs.slice(0, READABLE_LIMIT)) console.log(jobLine(job, tr, tr.stamp));
  if (jobs.length > READABLE_LIMIT)
    console.log(tr.t('cli.older', { n: jobs.length - READABLE_LIMIT }));
  return EXIT.ok;
}
