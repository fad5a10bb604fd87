/**
 * A sampling CPU profile of this process over a stretch of a bench (V8's profiler through node:inspector,
 * in-process), summarised: the functions with the most self time, and the share of the busy samples
 * spent under the key exchange (X25519: any sample with one of {@link KEY_EXCHANGE} on its stack, so
 * node:crypto's or libsodium's work below those counts too) and under the Noise handshake as a whole
 * (any of {@link NOISE}: its hashing, key derivation and AEAD as well as the key exchange).
 *
 * Names, not files, classify a frame, so the built package (one bundled file) is classified as the
 * sources are.
 */
import { Session } from 'node:inspector';

/** Functions of the key exchange: X25519 in src/crypto/x25519.ts and what they call. */
const KEY_EXCHANGE = new Set([
  'x25519',
  'keyPairFromPrivate',
  'generateKeyPair',
  'generateKeyPairSync',
  'sharedSecret',
  'diffieHellman',
  'crypto_scalarmult',
  'crypto_scalarmult_base',
]);

/** Entry points of the Noise handshake (src/crypto/noise/handshake-state.ts) and its creation. */
const NOISE = new Set(['writeMessage', 'readMessage', 'split', 'createHandshake', ...KEY_EXCHANGE]);

/** Samples that are not the process working. */
const NOT_BUSY = new Set(['(idle)', '(program)']);

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

/** What a profile showed. */
export interface ProfileSummary {
  /** Samples taken (about one per ms). */
  readonly samples: number;
  /** Samples with the process working (not `(idle)` nor `(program)`). */
  readonly busySamples: number;
  /** Share of the busy samples under the key exchange (X25519). */
  readonly keyExchangeShare: number;
  /** Share of the busy samples under the Noise handshake (key exchange included). */
  readonly noiseShare: number;
  /** The functions with the most self time: name (file), share of busy samples, and the caller with most of them. */
  readonly top: readonly { readonly name: string; readonly share: number; readonly caller: string }[];
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params, (error, result) => (error === null ? resolve(result as T) : reject(error)));
  });
}

/** A profile being taken. */
export class CpuProfile {
  private readonly session = new Session();

  /** Starts sampling every `intervalUs` µs. */
  async start(intervalUs = 1000): Promise<void> {
    this.session.connect();
    await post(this.session, 'Profiler.enable');
    await post(this.session, 'Profiler.setSamplingInterval', { interval: intervalUs });
    await post(this.session, 'Profiler.start');
  }

  /** Stops sampling and summarises the `topN` functions with most self time. */
  async stop(topN = 12): Promise<ProfileSummary> {
    const { profile } = await post<{ profile: { nodes: ProfileNode[] } }>(this.session, 'Profiler.stop');
    this.session.disconnect();
    return summarise(profile.nodes, topN);
  }
}

/** A frame's function name without its receiver (`exports.crypto_scalarmult` is `crypto_scalarmult`). */
function bare(node: ProfileNode | undefined): string {
  return node?.callFrame.functionName.split('.').pop() ?? '';
}

function label(node: ProfileNode | undefined): string {
  if (node === undefined) return '';
  const file = node.callFrame.url.split('/').pop() ?? '';
  const name = node.callFrame.functionName === '' ? '(anonymous)' : node.callFrame.functionName;
  return file === '' ? name : `${name} (${file})`;
}

function summarise(nodes: readonly ProfileNode[], topN: number): ProfileSummary {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const under = (node: ProfileNode, names: ReadonlySet<string>): boolean => {
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      if (names.has(bare(byId.get(id)))) return true;
    }
    return false;
  };
  let samples = 0;
  let busy = 0;
  let keyExchange = 0;
  let noise = 0;
  const self = new Map<string, number>();
  /** Per function, its samples by caller. */
  const callers = new Map<string, Map<string, number>>();
  for (const n of nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    samples += hits;
    if (NOT_BUSY.has(n.callFrame.functionName)) continue;
    busy += hits;
    if (under(n, KEY_EXCHANGE)) keyExchange += hits;
    if (under(n, NOISE)) noise += hits;
    const callerNode = byId.get(parent.get(n.id) ?? -1);
    // A native function's frame has no file; under sodium-native's bindings (`exports.crypto_*`) V8 may
    // show it by another export's name (`extension_pbkdf2_sha512_async` under `crypto_scalarmult`): it is
    // named after its caller then.
    const viaSodium = callerNode?.callFrame.functionName.startsWith('exports.crypto_') === true;
    const name = n.callFrame.url === '' && viaSodium ? `${bare(callerNode)} (native)` : label(n);
    self.set(name, (self.get(name) ?? 0) + hits);
    const caller = label(callerNode);
    const byCaller = callers.get(name) ?? new Map<string, number>();
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + hits);
    callers.set(name, byCaller);
  }
  const share = (x: number): number => (busy === 0 ? 0 : x / busy);
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([name, hits]) => ({ name, share: share(hits), caller: [...(callers.get(name) ?? [])].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '' }));
  return { samples, busySamples: busy, keyExchangeShare: share(keyExchange), noiseShare: share(noise), top };
}
