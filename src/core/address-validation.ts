/**
 * Anti-amplification for one peer address (RFC 9000 §8.1): until the address is validated, we send it
 * at most three times the bytes that arrived from it, so a forged source address cannot turn us into
 * an amplifier. The handshake's account (a server's message 2) becomes path 0's; every later path has
 * its own, and a path whose peer moves (NAT rebinding) starts a fresh one.
 * @module
 */

/** Most bytes sent to an unvalidated address per byte received from it. */
export const AMPLIFICATION_FACTOR = 3;

/** The validation state and byte account of one peer address. */
export class AddressValidation {
  /** Bytes received from the address while unvalidated. */
  private received = 0;
  /** Bytes sent to it while unvalidated. */
  private sent = 0;

  /** @param validated - whether the address starts validated (a client chose the server's; a server's must prove it). */
  constructor(public validated: boolean) {}

  /** Bytes we may still send it: unlimited once validated. */
  get budget(): number {
    return this.validated ? Number.POSITIVE_INFINITY : AMPLIFICATION_FACTOR * this.received - this.sent;
  }

  /** Whether `bytes` more may go to it now. */
  mayAmplify(bytes: number): boolean {
    return this.validated || this.sent + bytes <= AMPLIFICATION_FACTOR * this.received;
  }

  /** A datagram of `bytes` arrived from the address. */
  noteReceived(bytes: number): void {
    if (!this.validated) this.received += bytes;
  }

  /** A datagram of `bytes` went to the address. */
  noteSent(bytes: number): void {
    if (!this.validated) this.sent += bytes;
  }

  /** The peer moved to a new address, from which `bytes` arrived: the account starts again there. */
  restart(bytes: number): void {
    this.validated = false;
    this.received = bytes;
    this.sent = 0;
  }
}
