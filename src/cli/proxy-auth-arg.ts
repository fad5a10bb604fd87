import type { ProxyAuth } from '../proxy/proxy-auth.js';
import { UsageError } from './args.js';

/**
 * `mpt proxy --auth USER:PASS`: the credentials the proxy asks its clients for.
 * @module
 */

/** Reads `USER:PASS` (split at the first ':'; each 1 to 255 bytes of UTF-8); a usage error if malformed. */
export function parseProxyAuth(text: string): ProxyAuth {
  const colon = text.indexOf(':');
  if (colon < 0) throw new UsageError("--auth must be USER:PASS (a ':' between the user name and the password)");
  const username = text.slice(0, colon);
  const password = text.slice(colon + 1);
  for (const [what, value] of [['user name', username], ['password', password]] as const) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes < 1 || bytes > 255) throw new UsageError(`--auth: the ${what} must be 1 to 255 bytes`);
  }
  return { username, password };
}
