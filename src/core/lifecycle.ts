import { MptError, MptErrorCode } from '../errors.js';
import type { CloseInitiator, ConnectionEvent } from './connection-events.js';
import { makeCloseFrame, ReasonCode, type CloseFrame } from './wire/index.js';

/**
 * Where a connection stands (RFC 9000 §10), with the data of each phase, and the timers that end it:
 * the idle timeout and keep-alive while open, the closing and draining periods after. The close is
 * reported once, with the reason, whichever way it comes.
 * @module
 */

/** The phases of a connection (RFC 9000 §10 terms). */
export type ConnectionState = 'handshaking' | 'established' | 'closing' | 'draining' | 'closed';

/** A phase and what it carries. */
type Phase =
  | { readonly name: 'handshaking' }
  | { readonly name: 'established' }
  | {
      readonly name: 'closing';
      /** The CLOSE frame we repeat. */
      readonly frame: CloseFrame;
      /** When the closing period ends. */
      readonly deadlineMs: number;
      /** Whether a CLOSE packet is owed. */
      pending: boolean;
      /** The paths (ids) the owed CLOSE went out on so far: it goes on each path that can send it. */
      readonly sentOn: Set<number>;
      /** Packets received while closing. */
      received: number;
      /** The count of received packets at which CLOSE is repeated next (1, 2, 4, 8...). */
      nextReply: number;
    }
  | { readonly name: 'draining'; readonly deadlineMs: number }
  | { readonly name: 'closed' };

const HANDSHAKING: Phase = { name: 'handshaking' };
const ESTABLISHED: Phase = { name: 'established' };
const CLOSED: Phase = { name: 'closed' };

/** A connection's lifecycle, idle timeout and keep-alive. */
export class Lifecycle {
  private phase: Phase = HANDSHAKING;
  private idleTimeoutMs: number;
  private idleDeadlineMs: number | undefined;
  private keepAliveIntervalMs: number;
  private keepAliveAtMs: number | undefined;
  /** Whether a keep-alive PING is owed. */
  private pingOwed = false;
  /** Whether we sent an ack-eliciting packet since the last packet arrived (the idle timer restarts only on the first). */
  private ackElicitingSentSinceReceive = false;

  /**
   * @param ptoMs - path 0's current PTO, or the initial guess before it exists.
   * @param emit - reports the 'closed' event.
   */
  constructor(
    idleTimeoutMs: number,
    keepAliveIntervalMs: number,
    private readonly ptoMs: () => number,
    private readonly emit: (event: ConnectionEvent) => void,
  ) {
    this.idleTimeoutMs = idleTimeoutMs;
    this.keepAliveIntervalMs = keepAliveIntervalMs;
  }

  /** The phase's name. */
  get state(): ConnectionState {
    return this.phase.name;
  }

  /** Handshaking or established: the connection may still send and receive. */
  get isOpen(): boolean {
    const name = this.phase.name;
    return name === 'handshaking' || name === 'established';
  }

  /** Draining or closed: nothing more is read or sent (a closing connection still reads, and answers with CLOSE). */
  get isSilent(): boolean {
    const name = this.phase.name;
    return name === 'draining' || name === 'closed';
  }

  /** Established. */
  get isEstablished(): boolean {
    return this.phase.name === 'established';
  }

  /** The handshake completed. */
  establish(): void {
    if (this.phase.name === 'handshaking') this.phase = ESTABLISHED;
  }

  // ----- closing ---------------------------------------------------------------------------

  /**
   * Closes: with keys (`canSendClose`), enters the closing period and owes the peer a CLOSE; without,
   * ends at once. `error` is what the application sees; a local close for a protocol reason gets one.
   */
  close(nowMs: number, reasonCode: number, applicationErrorCode: number, reason: string, initiator: CloseInitiator, error: MptError | undefined, canSendClose: boolean): void {
    if (!this.isOpen) return;
    if (!canSendClose) {
      this.end(reasonCode, reason, initiator, error);
      return;
    }
    this.phase = {
      name: 'closing',
      frame: makeCloseFrame(reasonCode, applicationErrorCode, reason),
      deadlineMs: nowMs + this.closeDelayMs(),
      pending: true,
      sentOn: new Set(),
      received: 0,
      nextReply: 1,
    };
    const failure = error ?? (initiator === 'local' && reasonCode !== ReasonCode.ApplicationClose && reasonCode !== ReasonCode.NoError
      ? new MptError(MptErrorCode.ProtocolViolation, `closed: ${reason}`)
      : undefined);
    this.emit({ type: 'closed', reasonCode, applicationErrorCode, reason, initiator, error: failure });
  }

  /** The peer's CLOSE arrived: drain (send nothing) for the closing period. */
  drain(nowMs: number, reasonCode: number, applicationErrorCode: number, reason: string): void {
    const name = this.phase.name;
    if (name === 'draining' || name === 'closed') return;
    this.phase = { name: 'draining', deadlineMs: nowMs + this.closeDelayMs() };
    if (name === 'closing') return;
    const error =
      reasonCode === ReasonCode.ApplicationClose || reasonCode === ReasonCode.NoError
        ? undefined
        : new MptError(MptErrorCode.PeerClosed, `peer closed the connection: ${reason} (reason ${reasonCode})`);
    this.emit({ type: 'closed', reasonCode, applicationErrorCode, reason, initiator: 'peer', error });
  }

  /** Ends at once, sending nothing (idle timeout, failed handshake); reported unless a close was already. */
  end(reasonCode: number, reason: string, initiator: CloseInitiator, error: MptError | undefined): void {
    const name = this.phase.name;
    if (name === 'closed') return;
    this.phase = CLOSED;
    if (name !== 'closing' && name !== 'draining') this.emit({ type: 'closed', reasonCode, applicationErrorCode: 0, reason, initiator, error });
  }

  /**
   * A packet arrived while closing. RFC 9000 §10.2.1: CLOSE is sent again, but not for every packet
   * (a flood would be reflected one for one): on the 1st, 2nd, 4th, 8th... packet.
   */
  onPacketWhileClosing(): void {
    const p = this.phase;
    if (p.name !== 'closing') return;
    if (++p.received >= p.nextReply) {
      p.nextReply *= 2;
      p.pending = true;
    }
  }

  /**
   * The CLOSE frame owed to the peer on path `pathId` now, marking it sent there; undefined if none is
   * owed, or it went on that path already. A CLOSE goes on every path that can carry it (the first one
   * it is offered to, and every validated one), not on one only: a path that just died, its death not
   * yet noticed, would take the only copy, and the peer, that gets nothing more, would wait out its
   * idle timeout (ETIMEDOUT instead of the close). {@link closeSent} ends the round.
   */
  takeCloseFrame(pathId: number, validated: boolean): CloseFrame | undefined {
    const p = this.phase;
    if (p.name !== 'closing' || !p.pending || p.sentOn.has(pathId)) return undefined;
    if (!validated && p.sentOn.size > 0) return undefined;
    p.sentOn.add(pathId);
    return p.frame;
  }

  /** Every path that can carry the owed CLOSE has it (no path took it this time round): nothing is owed until the next reply is due. */
  closeSent(): void {
    const p = this.phase;
    if (p.name !== 'closing' || !p.pending || p.sentOn.size === 0) return;
    p.pending = false;
    p.sentOn.clear();
  }

  /** Whether a CLOSE packet is owed. */
  get closeDue(): boolean {
    return this.phase.name === 'closing' && this.phase.pending;
  }

  private closeDelayMs(): number {
    return 3 * this.ptoMs();
  }

  // ----- idle timeout and keep-alive ----------------------------------------------------------

  /** The peer's max_idle_timeout: the effective timeout is the smaller of the two that are set (RFC 9000 §10.1). */
  negotiateIdleTimeout(peerMs: number): void {
    if (peerMs > 0 && (this.idleTimeoutMs === 0 || peerMs < this.idleTimeoutMs)) this.idleTimeoutMs = peerMs;
  }

  /** Restarts the idle timer. */
  touch(nowMs: number): void {
    if (this.idleTimeoutMs <= 0) {
      this.idleDeadlineMs = undefined;
      return;
    }
    // RFC 9000 §10.1: never shorter than three PTOs, so a few losses do not end the connection.
    this.idleDeadlineMs = nowMs + Math.max(this.idleTimeoutMs, 3 * this.ptoMs());
  }

  /** A packet of the peer authenticated. */
  onPacketReceived(nowMs: number): void {
    this.touch(nowMs);
    this.ackElicitingSentSinceReceive = false;
  }

  /** We sent an ack-eliciting packet: the first since a packet arrived restarts the idle timer. */
  onAckElicitingSent(nowMs: number): void {
    if (!this.ackElicitingSentSinceReceive) {
      this.ackElicitingSentSinceReceive = true;
      this.touch(nowMs);
    }
  }

  /** Sends a PING after `intervalMs` without sending anything; 0 turns it off. */
  setKeepAlive(nowMs: number, intervalMs: number): void {
    this.keepAliveIntervalMs = Math.max(0, intervalMs);
    this.keepAliveAtMs = undefined;
    this.onPacketSent(nowMs);
  }

  /** We sent a packet: the keep-alive interval starts again. */
  onPacketSent(nowMs: number): void {
    if (this.keepAliveIntervalMs > 0) this.keepAliveAtMs = nowMs + this.keepAliveIntervalMs;
  }

  /** Whether a keep-alive PING is owed. */
  get pingDue(): boolean {
    return this.pingOwed;
  }

  /** An ack-eliciting packet went on a validated path: the owed PING is paid. */
  onPingSent(): void {
    this.pingOwed = false;
  }

  // ----- timers ------------------------------------------------------------------------------

  /** The earliest deadline of the lifecycle, or undefined. */
  nextTimeout(): number | undefined {
    const p = this.phase;
    if (p.name === 'closed') return undefined;
    let t = this.idleDeadlineMs;
    if (p.name === 'closing' || p.name === 'draining') return t === undefined || p.deadlineMs < t ? p.deadlineMs : t;
    if (this.keepAliveAtMs !== undefined && (t === undefined || this.keepAliveAtMs < t)) t = this.keepAliveAtMs;
    return t;
  }

  /**
   * Runs the lifecycle's due timers: the closing or draining period ends, or the idle timeout closes
   * the connection (returns true: nothing else should run); else a due keep-alive owes a PING.
   */
  handleTimeout(nowMs: number): boolean {
    const p = this.phase;
    if (p.name === 'closed') return true;
    if ((p.name === 'closing' || p.name === 'draining') && nowMs >= p.deadlineMs) {
      this.phase = CLOSED;
      return true;
    }
    if (this.idleDeadlineMs !== undefined && nowMs >= this.idleDeadlineMs) {
      this.end(ReasonCode.IdleTimeout, 'idle timeout', 'idle-timeout', new MptError(MptErrorCode.IdleTimeout, 'no packet arrived for the idle timeout'));
      return true;
    }
    if (!this.isOpen) return true;
    if (this.keepAliveAtMs !== undefined && nowMs >= this.keepAliveAtMs) {
      this.pingOwed = true;
      this.keepAliveAtMs = undefined;
    }
    return false;
  }
}
