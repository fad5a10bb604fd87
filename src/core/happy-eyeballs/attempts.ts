import type { AttemptEvent } from '../connection-events.js';
import { sameAddress } from '../socket-address.js';
import { HandshakeRace, type RaceAttempt, type RaceTarget } from './race.js';

/**
 * One connection's side of happy eyeballs (RFC 8305): a client's race of its Initial over several
 * destinations ({@link HandshakeRace}) and the destinations owed the current handshake datagram, or a
 * server's answers to the same Initial repeated through its other addresses. Bookkeeping only: the
 * handshake driver sends the datagram to whatever {@link HandshakeAttempts.takeOwed} hands it.
 * @module
 */

/** Most answers a server sends to Initials repeated from other addresses (happy-eyeballs attempts): bounds what a flood of copies costs. */
const MAX_ATTEMPT_REPLIES = 16;

/** A client's race settings: further destinations, one attempt delay apart. */
export interface RaceSettings {
  /** Destinations raced after the first one. */
  readonly alternatives: readonly RaceTarget[];
  /** The Connection Attempt Delay, ms. */
  readonly attemptDelayMs: number;
}

/** The happy-eyeballs attempts of one connection; see the module comment. */
export class HandshakeAttempts {
  /** A client's race, when it has more than one destination (or learnt one late). */
  private race: HandshakeRace | undefined;
  /** When a client's connect() started (its first attempt), ms. */
  private readonly connectStartedAtMs: number;
  /**
   * Destinations owed the current handshake datagram: a client's started (or retransmitting) attempts,
   * or a server's answers to Initials repeated through other addresses.
   */
  private readonly owed: RaceTarget[] = [];
  /** Server: how many answers were queued in all (bounded: {@link MAX_ATTEMPT_REPLIES}). */
  private repliesQueued = 0;

  /**
   * A connection's attempts: `first` is where its handshake starts, `race` a client's further
   * destinations (none for a server); events go to `report`.
   */
  constructor(
    private readonly report: (event: AttemptEvent) => void,
    first: RaceTarget,
    race: RaceSettings | undefined,
    nowMs: number,
  ) {
    this.connectStartedAtMs = nowMs;
    this.race = race !== undefined && race.alternatives.length > 0 ? new HandshakeRace([first, ...race.alternatives], race.attemptDelayMs, nowMs) : undefined;
  }

  /** Reports the first attempt as started, when there is a race. */
  start(): void {
    const attempt0 = this.race?.attempts[0];
    if (attempt0 !== undefined) this.emit('started', attempt0);
  }

  /** When the next attempt is due to start, ms, or undefined. */
  nextTimeout(): number | undefined {
    return this.race?.nextTimeout();
  }

  /** Starts the attempts due at `nowMs`: each is owed the Initial. */
  handleTimeout(nowMs: number): void {
    if (this.race === undefined) return;
    for (const a of this.race.handleTimeout(nowMs)) {
      this.owed.push(a);
      this.emit('started', a);
    }
  }

  /** The Initial is retransmitted: every running attempt but `current` (which gets it anyway) is owed it too (RFC 8305 §5: attempts are never cancelled). */
  onRetransmit(current: RaceTarget): void {
    if (this.race === undefined) return;
    for (const a of this.race.running()) if (!sameAddress(a.local, current.local) || !sameAddress(a.remote, current.remote)) this.owed.push(a);
  }

  /** Where the Initial's retransmissions go instead of `current` when its attempt failed (a running attempt), or undefined to stay. */
  retarget(current: RaceTarget): RaceTarget | undefined {
    const race = this.race;
    if (race === undefined) return undefined;
    const primary = race.attempts.find((a) => sameAddress(a.local, current.local) && sameAddress(a.remote, current.remote));
    const next = race.running()[0];
    if (primary?.state !== 'failed' || next === undefined) return undefined;
    return next;
  }

  /** The server answered through `target`: that attempt wins (reported), and nothing more is owed. Returns it, if it was one of the race. */
  win(target: RaceTarget, nowMs: number): RaceAttempt | undefined {
    const won = this.race?.answer(target, nowMs);
    this.owed.length = 0;
    if (won !== undefined) this.emit('won', won);
    return won;
  }

  /** Another attempt answered after the race was won: a late success (reported). Returns it, if it was one. */
  lateAnswer(target: RaceTarget, nowMs: number): RaceAttempt | undefined {
    const attempt = this.race?.answer(target, nowMs);
    if (attempt !== undefined) this.emit('answered', attempt);
    return attempt;
  }

  /**
   * Destinations learnt while connecting: appended to the race, one attempt delay after the latest
   * attempt. Without a race one starts, `current` becoming attempt 0 as of the connect. Returns whether
   * any was new.
   */
  add(current: RaceTarget, targets: readonly RaceTarget[], attemptDelayMs: number, nowMs: number): boolean {
    if (this.race === undefined) {
      this.race = new HandshakeRace([current], attemptDelayMs, this.connectStartedAtMs);
      this.emit('started', this.race.attempts[0] as RaceAttempt);
    }
    return this.race.add(targets, nowMs).length > 0;
  }

  /** A copy of each attempt, or an empty list without a race. */
  list(): RaceAttempt[] {
    return this.race?.attempts.map((a) => ({ ...a })) ?? [];
  }

  /** Whether there is a race. */
  get racing(): boolean {
    return this.race !== undefined;
  }

  /** The attempt to `target` failed (reported, and nothing more is owed to it). Returns whether one stopped. */
  fail(target: RaceTarget, reason: string, nowMs: number): boolean {
    const attempt = this.race?.fail(target, reason, nowMs);
    if (attempt === undefined) return false;
    this.emit('failed', attempt);
    const owed = this.owed;
    owed.splice(0, owed.length, ...owed.filter((t) => !sameAddress(t.local, target.local) || !sameAddress(t.remote, target.remote)));
    return true;
  }

  /** Whether every attempt of the race has failed (false without a race). */
  allFailed(): boolean {
    return this.race?.allFailed() ?? false;
  }

  /** Server: the client's Initial came again through `target`: owe it our answer (once per destination, boundedly). */
  queueReply(target: RaceTarget): void {
    if (this.repliesQueued >= MAX_ATTEMPT_REPLIES || this.owed.some((t) => sameAddress(t.local, target.local) && sameAddress(t.remote, target.remote))) return;
    this.repliesQueued++;
    this.owed.push(target);
  }

  /** Whether a destination is owed the handshake datagram. */
  get hasOwed(): boolean {
    return this.owed.length > 0;
  }

  /** The next destination owed the handshake datagram, taken off the list. */
  takeOwed(): RaceTarget | undefined {
    return this.owed.shift();
  }

  /** Forgets every destination owed the handshake datagram. */
  clearOwed(): void {
    this.owed.length = 0;
  }

  private emit(change: AttemptEvent['change'], attempt: RaceAttempt): void {
    this.report({ type: 'attempt', change, index: attempt.index, local: attempt.local, remote: attempt.remote, reason: attempt.failure });
  }
}
