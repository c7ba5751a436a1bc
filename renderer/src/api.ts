import type { ConcurDropApi } from '../../preload/contract.js';

/**
 * The renderer's one way to reach main: `window.concurDrop`, typed from the
 * contract. (Electron's preload or the HTTP bridge installs it.)
 */
export function api(): ConcurDropApi {
  const host = window as unknown as { concurDrop?: ConcurDropApi };
  if (!host.concurDrop) throw new Error('Concur Drop is not connected (no window.concurDrop).');
  return host.concurDrop;
}
