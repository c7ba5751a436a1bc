import { STATUS_USAGE } from './status.js';
import { SANDBOX_USAGE } from './sandbox.js';
import { TOKEN_USAGE } from './token.js';
import { UPLOAD_USAGE } from './upload.js';
import { WATCH_USAGE } from './watch.js';
import { DEMO_USAGE } from './demo.js';

/** The overview `concur-drop --help` prints: every command's usage line. */
export const OVERVIEW = `concur-drop: uploads receipt and invoice scans to SAP Concur

${[WATCH_USAGE, UPLOAD_USAGE, STATUS_USAGE, TOKEN_USAGE, SANDBOX_USAGE, DEMO_USAGE]
  .map((u) => u.replace(/^usage: /, '  '))
  .join('\n')}

"concur-drop COMMAND --help" explains a command.`;
