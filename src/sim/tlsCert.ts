// A throwaway self-signed certificate for the simulator's wss:// listener, valid for localhost and
// 127.0.0.1, made at start-up; clients trust it by adding its PEM to their trust store.

import { generate } from 'selfsigned';

export interface TlsMaterial {
  cert: string;
  key: string;
}

export async function generateLocalhostCert(): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 86_400_000);
  const notAfterDate = new Date(Date.now() + 365 * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      // Marked as a CA so it can sit in a client's trust store as its own anchor.
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
