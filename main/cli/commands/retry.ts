import { dataDirError } from '../../engine/data-dir.js';
import { requestRetry, type RetryRequestResult } from '../../engine/retry-request.js';
import { CommandError, EXIT, parseCommand, UsageError } from '../args.js';
import { openExistingDataDir } from '../host.js';
import { cli } from '../language.js';
import { helpText, RETRY_USAGE } from '../usage.js';

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
    console.log(helpText('retry', RETRY_USAGE));
    return EXIT.ok;
  }
  if (values.all && positionals.length > 0)
    throw new UsageError(cli().t('cli.retry.both'), RETRY_USAGE);
  if (!values.all && positionals.length === 0)
    throw new UsageError(cli().t('cli.retry.none'), RETRY_USAGE);
  const dataDir = openExistingDataDir(values['data-dir']);
  let result: RetryRequestResult;
  try {
    result = await requestRetry(dataDir, values.all ? 'all' : positionals, {
      force: values.force ?? false,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
      throw new CommandError(cli().say(dataDirError(dataDir, error).text), EXIT.usage);
    throw error;
  }
  const code = result.queued.length > 0 ? EXIT.ok : EXIT.failed;
  if (values.json) {
    console.log(JSON.stringify(result));
    return code;
  }
  const t = cli().t;
  for (const name of result.unknown) console.error(t('cli.retry.unknown', { name, dir: dataDir }));
  for (const name of result.notRetryable) console.error(t('cli.retry.notFailed', { name }));
  if (result.queued.length > 0)
    console.log(t('cli.retry.requested', { count: result.queued.length }));
  else if (values.all) console.error(t('cli.retry.nothing'));
  return code;
}
