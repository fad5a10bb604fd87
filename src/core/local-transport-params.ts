import type { CryptoProvider } from '../crypto/provider.js';
import type { TransportConfig } from './config.js';
import { defaultTransportParams, ExtensionId, type TransportParams } from './wire/index.js';

/**
 * The transport parameters we send (docs/protocol.md §8), from the transport settings: what the peer
 * may send us (window, datagram size, paths), our timers and the extensions we speak.
 * @module
 */

/**
 * The extensions this implementation supports. Redundant scheduling is always listed: our receiver
 * deduplicates DATA by offset, so copies on several paths are always welcome (docs/protocol.md §8.2).
 */
const LOCAL_EXTENSIONS: readonly number[] = [ExtensionId.PmtuProbe, ExtensionId.RedundantScheduling];
const LOCAL_EXTENSIONS_NO_PMTU: readonly number[] = [ExtensionId.RedundantScheduling];

/** Our transport parameters, from the transport settings (docs/protocol.md §8). */
export function transportParams(transport: TransportConfig, provider: CryptoProvider, localCid: Uint8Array): TransportParams {
  return {
    ...defaultTransportParams(localCid),
    maxIdleTimeoutMs: transport.idleTimeoutMs,
    initialMaxData: transport.initialWindowBytes,
    maxAckDelayMs: transport.maxAckDelayMs,
    maxUdpPayloadSize: transport.maxDatagramSizeBytes,
    supportedAeads: provider.aeads,
    extensions: transport.pmtuDiscovery ? LOCAL_EXTENSIONS : LOCAL_EXTENSIONS_NO_PMTU,
    maxPaths: transport.maxPaths,
  };
}

/**
 * A server's transport parameters: as a client's, plus the CIDs that let the
 * client check that nobody rewrote its first DCID or forged a Retry (RFC 9000 §7.3).
 */
export function serverTransportParams(
  transport: TransportConfig,
  provider: CryptoProvider,
  localCid: Uint8Array,
  originalDcid: Uint8Array,
  retryScid: Uint8Array | undefined,
): TransportParams {
  const params = { ...transportParams(transport, provider, localCid), originalDestinationConnectionId: originalDcid };
  return retryScid === undefined ? params : { ...params, retrySourceConnectionId: retryScid };
}

