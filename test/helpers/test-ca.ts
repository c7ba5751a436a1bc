import { generate } from 'selfsigned';

/**
 * A company's own certificate authority, as a TLS-inspecting network has one:
 * a root (not in any trust store) and a server certificate for 127.0.0.1
 * signed by it, for the sandbox over HTTPS.
 */

export interface TestCa {
  /** The root's certificate, PEM: what IT would hand out as the caFile. */
  caCert: string;
  /** The server's key and certificate, PEM, for startSandbox({ tls }). */
  server: { key: string; cert: string };
  /** The issuer's name as messages show it. */
  issuer: string;
}

export async function makeTestCa(): Promise<TestCa> {
  const options = { keyType: 'ec', algorithm: 'sha256' } as const;
  const root = await generate(
    [
      { name: 'commonName', value: 'Contoso Inspection CA' },
      { name: 'organizationName', value: 'Contoso' },
    ],
    {
      ...options,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    },
  );
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...options,
    ca: { key: root.private, cert: root.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return {
    caCert: root.cert,
    server: { key: server.private, cert: server.cert },
    issuer: 'Contoso Inspection CA',
  };
}
