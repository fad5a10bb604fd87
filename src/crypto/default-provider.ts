import { err, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';
import { nodeProvider } from './node-provider.js';
import { aeadName, type Aead, type AeadId, type CryptoProvider } from './provider.js';
import { sodiumProvider } from './sodium-provider.js';

/**
 * Combines providers: each AEAD comes from the first provider in `providers`
 * that has it. The combined preference order is the order in which each AEAD
 * first appears when walking the providers' own lists in turn.
 */
export function compositeProvider(providers: readonly CryptoProvider[]): CryptoProvider {
  const owner = new Map<AeadId, CryptoProvider>();
  for (const p of providers) {
    for (const id of p.aeads) if (!owner.has(id)) owner.set(id, p);
  }
  const aeads = Object.freeze([...owner.keys()]);
  const names = providers.filter((p) => [...owner.values()].includes(p)).map((p) => p.name);
  return Object.freeze({
    name: names.join('+'),
    aeads,
    createAead(id: AeadId, key: Uint8Array): Result<Aead, MptError> {
      const p = owner.get(id);
      if (p === undefined) {
        return err(new MptError(MptErrorCode.UnsupportedCipher, `no provider offers ${aeadName(id)}`));
      }
      return p.createAead(id, key);
    },
  });
}

let cached: CryptoProvider | undefined;

/**
 * The provider mpt uses unless told otherwise (docs/crypto.md §6): ChaCha20-Poly1305
 * from sodium-native when it is installed (one native call per packet, and
 * then preferred), AES-256-GCM always from node:crypto, and otherwise plain
 * node:crypto. All providers produce identical bytes for the same cipher, so
 * the choice never affects interoperability, only speed.
 */
export function defaultProvider(): CryptoProvider {
  if (cached !== undefined) return cached;
  const sodium = sodiumProvider();
  cached = sodium === undefined ? nodeProvider() : compositeProvider([sodium, nodeProvider()]);
  return cached;
}
