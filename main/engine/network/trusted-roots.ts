import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { msg } from '../i18n/translate.js';
import { createLogger } from '../log/logger.js';
import { NetworkSetupError } from './proxy-choice.js';

/**
 * The certificates a TLS connection trusts (docs/architecture.md#company-networks):
 * Node's own roots, plus the OS trust store (where a company installs the
 * root of its TLS inspection), plus a `caFile` of PEM certificates. Node
 * alone trusts only its bundled roots, so an inspecting proxy's certificate
 * would fail with "unable to get local issuer certificate".
 */

const log = createLogger('network');

let systemRoots: Promise<string[]> | undefined;

/** The OS store, read once per process: on Windows and macOS it is a native call that can take a while. */
function readSystemRoots(): Promise<string[]> {
  // Loaded on the first https request only: plain http (the sandbox) never reads the store.
  systemRoots ??= import('system-ca')
    .then(({ systemCertsAsync }) => systemCertsAsync())
    .catch((error: unknown) => {
      // Trusting fewer roots is safe; the request then says which issuer it did not trust.
      log.warn('the OS trust store could not be read', { error: (error as Error).message });
      return [];
    });
  return systemRoots;
}

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates in a PEM file; throws NetworkSetupError in plain words. */
export async function readCaFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    log.warn('the caFile cannot be read', { path, code });
    throw new NetworkSetupError(
      code === 'ENOENT'
        ? msg('network.caMissing', { path })
        : code === 'EACCES' || code === 'EPERM'
          ? msg('network.caNoAccess', { path })
          : msg('network.caUnreadable', { path }),
    );
  }
  const found = text.match(PEM) ?? [];
  if (found.length === 0) throw new NetworkSetupError(msg('network.caNotPem', { path }));
  return found;
}

/** Node's roots, the OS store (unless `system` is false) and the caFile's certificates. */
export async function trustedRoots(options: {
  caFile?: string;
  system?: boolean;
}): Promise<string[]> {
  const [system, extra] = await Promise.all([
    options.system === false ? [] : readSystemRoots(),
    options.caFile ? readCaFile(options.caFile) : [],
  ]);
  return [...new Set([...rootCertificates, ...system, ...extra])];
}
