/**
 * How a server's socket reaches the application: when 'connection' is emitted, when its peer's key
 * becomes `remotePublicKey`, and when 'proven' follows (docs/node-compat.md, "When 'connection' comes").
 *
 * An IK or PSK handshake completes on the client's first flight alone, and anyone who recorded that
 * flight can send it again from anywhere: the server cannot tell the replay from the client until a
 * packet under the session keys arrives (the proof; `Connection.halfOpen` turns false). So by default
 * the application sees nothing before the proof: 'connection' comes with it, as node:net's 'connection'
 * comes once the client's ACK completed TCP's handshake. A server that accepts 0-RTT data
 * (`acceptEarlyData`) wants that data at once: its 'connection' comes on the first flight with
 * `halfOpen` true and no `remotePublicKey` (the key is only claimed), and 'proven' follows the proof,
 * with the key.
 * @module
 */

/** What the admission acts on: the socket being admitted. */
export interface AdmittedSocket {
  remotePublicKey: Uint8Array | undefined;
  readonly destroyed: boolean;
  emit(event: 'proven'): boolean;
}

/** One accepted server socket's admission, from the handshake's completion to the proof. */
export class ServerAdmission<S extends AdmittedSocket> {
  /**
   * 'handshake' until the engine's 'connected'; then 'unproven' ('connection' waits for the proof) or
   * 'early' ('connection' was emitted, 'proven' is to come); 'done' once the application has it all.
   */
  #state: 'handshake' | 'unproven' | 'early' | 'done' = 'handshake';
  /** The peer's static key, held back until the peer proved it holds it. */
  #claimedKey: Uint8Array | undefined = undefined;

  /**
   * @param onConnection emits 'connection' (the server's part).
   * @param acceptEarlyData whether 'connection' may come before the proof (the server accepts 0-RTT data).
   */
  constructor(
    private readonly onConnection: (socket: S) => void,
    private readonly acceptEarlyData: boolean,
  ) {}

  /** The handshake completed (the engine's 'connected'); `halfOpen`: the client has not proven itself yet. */
  connected(socket: S, remoteStaticKey: Uint8Array | undefined, halfOpen: boolean): void {
    if (this.#state !== 'handshake') return;
    if (!halfOpen) {
      this.#state = 'done';
      socket.remotePublicKey = remoteStaticKey;
      return this.onConnection(socket);
    }
    this.#claimedKey = remoteStaticKey;
    if (!this.acceptEarlyData) {
      this.#state = 'unproven';
      return;
    }
    this.#state = 'early';
    this.onConnection(socket);
  }

  /** After each batch of engine events: `halfOpen` is the connection's state now. */
  check(socket: S, halfOpen: boolean): void {
    const state = this.#state;
    if (halfOpen || socket.destroyed || (state !== 'unproven' && state !== 'early')) return;
    this.#state = 'done';
    socket.remotePublicKey = this.#claimedKey;
    this.#claimedKey = undefined;
    if (state === 'unproven') this.onConnection(socket);
    else socket.emit('proven');
  }
}
