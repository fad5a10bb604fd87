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

/** What the server gives each socket it accepts. */
export interface AcceptingServer<S> {
  /** Emits 'connection' for `socket` (and applies maxConnections). */
  readonly onConnection: (socket: S) => void;
  /** The socket is gone: the server forgets it. */
  readonly onRelease: () => void;
  /** Whether 'connection' may come before the client's proof (the server takes 0-RTT data). */
  readonly acceptEarlyData: boolean;
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
  /** Events for the application that came before 'connection' (path 0 'up'...), replayed after it. */
  #held: (() => void)[] = [];

  /**
   * @param server what the accepting server gives: its 'connection' emitter, and whether 'connection'
   *   may come before the proof (it accepts 0-RTT data).
   * @param engineHalfOpen whether the connection has not yet received a packet under the session keys.
   */
  constructor(
    private readonly server: AcceptingServer<S>,
    private readonly engineHalfOpen: () => boolean,
  ) {}

  /** Whether the client has not proven itself to the application yet: the socket counts as half-open until then. */
  get awaitingProof(): boolean {
    return this.#state === 'unproven' || this.#state === 'early';
  }

  /**
   * Runs `emit` now if the application has the socket, else once 'connection' has been emitted: an
   * event such as path 0's 'up' must not go before 'connection', to no listener.
   */
  deliver(emit: () => void): void {
    if (this.#state === 'unproven' || this.#state === 'handshake') this.#held.push(emit);
    else emit();
  }

  /** The handshake completed (the engine's 'connected'), `remoteStaticKey` the key the client claims. */
  connected(socket: S, remoteStaticKey: Uint8Array | undefined): void {
    if (this.#state !== 'handshake') return;
    if (!this.engineHalfOpen()) {
      this.#state = 'done';
      socket.remotePublicKey = remoteStaticKey;
      return this.#emitConnection(socket);
    }
    this.#claimedKey = remoteStaticKey;
    if (!this.server.acceptEarlyData) {
      this.#state = 'unproven';
      return;
    }
    this.#state = 'early';
    this.#emitConnection(socket);
  }

  /** After each batch of engine events, and before data is read: whether the client has proven itself now. */
  check(socket: S): void {
    const state = this.#state;
    if ((state !== 'unproven' && state !== 'early') || socket.destroyed || this.engineHalfOpen()) return;
    this.#state = 'done';
    socket.remotePublicKey = this.#claimedKey;
    this.#claimedKey = undefined;
    if (state === 'unproven') this.#emitConnection(socket);
    else socket.emit('proven');
  }

  #emitConnection(socket: S): void {
    this.server.onConnection(socket);
    const held = this.#held;
    this.#held = [];
    for (const emit of held) if (!socket.destroyed) emit();
  }
}
