import { msg, type Message } from './translate.js';

/**
 * Plain words for the errno codes people meet most (docs/architecture.md#languages:
 * codes go to the log). A code without words of its own reads as an unexpected error.
 */
export function errnoWords(code: string | undefined): Message {
  switch (code) {
    case 'ECONNREFUSED':
      return msg('errno.refused');
    case 'ETIMEDOUT':
      return msg('errno.timedOut');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return msg('errno.nameNotFound');
    case 'ECONNRESET':
    case 'EPIPE':
      return msg('errno.closed');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return msg('errno.unreachable');
    case 'ENOENT':
      return msg('errno.noFile');
    case 'EACCES':
    case 'EPERM':
      return msg('errno.noPermission');
    case 'EISDIR':
      return msg('errno.isFolder');
    case 'EBUSY':
      return msg('errno.busy');
    default:
      return msg('errno.other');
  }
}
