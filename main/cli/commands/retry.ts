import { dataDirError } from '../../engine/data-dir.js';
import { requestRetry, type RetryRequestResult } from '../../engine/retry-request.js';
import { CommandError, EXIT, parseCommand, UsageError } from '../args.js';
import { openExistingDataDir } from '../host.js';
import { RETRY_USAGE } from '../usage.js';

const HELP = `${RETRY_USAGE}

Sends failed jobs again. A running watcher (or the desktop app) on the same
data dir picks the request up at once; otherwise the next "watch" start does.
  JOB…             a job id from "status --json" (its first 8 characters are enough),
                   or the file's path; any failed job, as the app's Retry
  --all            every job that failed for a reason that may pass (Concur unreachable…)
  --force          an entry or invoice batch waiting for a failed file goes without it
  --data-dir DIR   the data dir (default: CONCUR_DROP_HOME, else the app-data folder)
  --json           one object {queued, unknown, notRetryable}
Exit 0: retry requested; 1: nothing to retry; 2: usage or data dir error.`;

/** `concur-drop retry`: leaves a retry request for the engine that owns the ledger. */
export async function retryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    usage: RETRY_USAGE,
    positionals: true,
    options: {
      'data-dir': { type: 'string' },
      all: { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (values.all && positionals.length > 0)
    throw new UsageError('give either --all or job ids, not both', RETRY_USAGE);
  if (!values.all && positionals.length === 0)
    throw new UsageError('name the jobs to retry, or --all', RETRY_USAGE);
  const dataDir = openExistingDataDir(values['data-dir']);
  let result: RetryRequestResult;
  try {
    result = await requestRetry(dataDir, values.all ? 'all' : positionals, {
      force: values.force ?? false,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
      throw new CommandError(dataDirError(dataDir, error).message, EXIT.usage);
    throw error;
  }
  const code = result.queued.length > 0 ? EXIT.ok : EXIT.failed;
  if (values.json) {
    console.log(JSON.stringify(result));
    return code;
  }
  for (const name of result.unknown) console.error(`No job "${name}" in ${dataDir}.`);
  for (const name of result.notRetryable)
    console.error(`"${name}" has not failed: nothing to retry ("status" shows its state).`);
  if (result.queued.length > 0) {
    const jobs = result.queued.length === 1 ? '1 job' : `${result.queued.length} jobs`;
    console.log(
      `Retry requested for ${jobs}. A running watcher or the app sends them now; ` +
        'otherwise the next "concur-drop watch" does.',
    );
  } else if (values.all) {
    console.error('No job failed for a reason that may pass: nothing to retry.');
  }
  return code;
}
