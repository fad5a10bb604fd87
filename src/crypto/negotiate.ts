import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';
import { isAeadId, type AeadId } from './provider.js';

/**
 * Picks the packet-protection AEAD: the first id in `preference` that is a
 * known AEAD and that `supported` also lists; unknown ids never match.
 * docs/protocol.md §8.1 has both ends call it with the client's
 * `supported_aeads` as `preference` and the server's as `supported`, so
 * they agree without another message. AES-256-GCM is mandatory in every
 * list, so between conforming peers this always succeeds; otherwise it
 * fails with ERR_MPT_UNSUPPORTED_CIPHER.
 */
export function negotiateAead(
  preference: readonly number[],
  supported: readonly number[],
): Result<AeadId, MptError> {
  for (const id of preference) {
    if (isAeadId(id) && supported.includes(id)) return ok(id);
  }
  return err(new MptError(MptErrorCode.UnsupportedCipher, 'no AEAD in common with the peer'));
}
