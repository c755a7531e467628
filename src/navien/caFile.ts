// The extra CA for the cloud's TLS, read again for every connection attempt: a `navien_mqtt_ca_file`
// fixed while the bridge runs is used by the next attempt, without a restart.

import { readFileSync } from 'node:fs';

/**
 * A source for `LinkOptions.caPem`. A read that fails (the file is being replaced) keeps the last
 * content read; content aws-crt cannot use fails that attempt, which is then retried.
 */
export function caFileSource(path: string, initial: string): () => string {
  let last = initial;
  return () => {
    try {
      last = readFileSync(path, 'utf8');
    } catch {
      // Keep the last content: one unreadable moment must not change what the link trusts.
    }
    return last;
  };
}
