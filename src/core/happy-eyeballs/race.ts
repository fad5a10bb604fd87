import { sameAddress, type SocketAddress } from '../socket-address.js';

/**
 * The attempt schedule of one connect() (RFC 8305 §5): attempt 0 starts at once, attempt n one attempt
 * delay after attempt n-1 (or at once when every running attempt has failed), and none is ever
 * cancelled. Every attempt carries the same client Initial, so they are one connection to the server:
 * the first to answer wins, the others that answer later are late successes. Pure state, driven by the
 * client Connection with injected time.
 * @module
 */

/** One destination to race: our socket and the server's address. */
export interface RaceTarget {
  /** Our local address (socket). */
  readonly local: SocketAddress;
  /** The server's address. */
  readonly remote: SocketAddress;
}

/** Where an attempt stands. */
export type AttemptState = 'waiting' | 'running' | 'won' | 'answered' | 'failed';

/** One attempt of a race. */
export interface RaceAttempt extends RaceTarget {
  /** Its position in the order, from 0. */
  readonly index: number;
  /** Where it stands. */
  state: AttemptState;
  /** When it started, ms; -1 while waiting. */
  startedAtMs: number;
  /** When the server's answer came, ms; -1 before. */
  answeredAtMs: number;
  /** Why it failed (an unreachable destination, a socket error), when it did. */
  failure: string | undefined;
}

/** Races a client's Initial across several destinations. */
export class HandshakeRace {
  /** Every attempt, in order. */
  readonly attempts: RaceAttempt[];
  /** The Connection Attempt Delay, ms. */
  readonly attemptDelayMs: number;
  /** When the next waiting attempt starts, ms; undefined when none waits or the race is decided. */
  private nextStartMs: number | undefined;
  private decided = false;

  /** A race over `targets` (at least one), whose first attempt starts at `nowMs`. */
  constructor(targets: readonly RaceTarget[], attemptDelayMs: number, nowMs: number) {
    this.attemptDelayMs = attemptDelayMs;
    this.attempts = targets.map((t, index) => ({ index, local: t.local, remote: t.remote, state: 'waiting', startedAtMs: -1, answeredAtMs: -1, failure: undefined }));
    const first = this.attempts[0];
    if (first !== undefined) this.start(first, nowMs);
  }

  /** Whether an attempt was answered (the connection is established). */
  get isDecided(): boolean {
    return this.decided;
  }

  /** The running attempts (the Initial is resent to each of them). */
  running(): RaceAttempt[] {
    return this.attempts.filter((a) => a.state === 'running');
  }

  /** When the next attempt is due, ms. */
  nextTimeout(): number | undefined {
    return this.nextStartMs;
  }

  /** Starts the attempts that are due at `nowMs`; returns them. */
  handleTimeout(nowMs: number): RaceAttempt[] {
    const started: RaceAttempt[] = [];
    while (this.nextStartMs !== undefined && nowMs >= this.nextStartMs) {
      const next = this.attempts.find((a) => a.state === 'waiting');
      if (next === undefined) {
        this.nextStartMs = undefined;
        break;
      }
      this.start(next, nowMs);
      started.push(next);
    }
    return started;
  }

  /**
   * An attempt failed for good (its destination is unreachable): when no other attempt is running, the
   * next one starts at once rather than after the rest of the delay (RFC 8305 §5). Returns the attempt,
   * or undefined if it was not running.
   */
  fail(target: RaceTarget, reason: string, nowMs: number): RaceAttempt | undefined {
    const attempt = this.find(target, 'running');
    if (attempt === undefined) return undefined;
    attempt.state = 'failed';
    attempt.failure = reason;
    if (!this.decided && this.running().length === 0 && this.attempts.some((a) => a.state === 'waiting')) this.nextStartMs = nowMs;
    return attempt;
  }

  /**
   * The server answered the attempt to `target`: the first answer wins (and stops the schedule), a later
   * one marks a late success. Returns the attempt, or undefined for an address no running attempt used
   * (or one already answered).
   */
  answer(target: RaceTarget, nowMs: number): RaceAttempt | undefined {
    const attempt = this.find(target, 'running');
    if (attempt === undefined) return undefined;
    attempt.state = this.decided ? 'answered' : 'won';
    attempt.answeredAtMs = nowMs;
    this.decided = true;
    this.nextStartMs = undefined;
    return attempt;
  }

  /**
   * Destinations learnt after the race started (a DNS answer that came late, RFC 8305 §3), appended to
   * the schedule: the first starts one attempt delay after the latest attempt started, or at once when
   * no attempt is running. Destinations already in the race are skipped; nothing is added once the race
   * is decided. Returns the attempts added.
   */
  add(targets: readonly RaceTarget[], nowMs: number): RaceAttempt[] {
    if (this.decided) return [];
    const added: RaceAttempt[] = [];
    for (const t of targets) {
      if (this.attempts.some((a) => sameAddress(a.local, t.local) && sameAddress(a.remote, t.remote))) continue;
      const attempt: RaceAttempt = { index: this.attempts.length, local: t.local, remote: t.remote, state: 'waiting', startedAtMs: -1, answeredAtMs: -1, failure: undefined };
      this.attempts.push(attempt);
      added.push(attempt);
    }
    if (added.length > 0 && this.nextStartMs === undefined) {
      const lastStartMs = Math.max(...this.attempts.map((a) => a.startedAtMs));
      this.nextStartMs = this.running().length === 0 ? nowMs : Math.max(nowMs, lastStartMs + this.attemptDelayMs);
    }
    return added;
  }

  /** Whether every attempt failed. */
  allFailed(): boolean {
    return this.attempts.every((a) => a.state === 'failed');
  }

  private find(target: RaceTarget, state: AttemptState): RaceAttempt | undefined {
    return this.attempts.find((a) => a.state === state && sameAddress(a.local, target.local) && sameAddress(a.remote, target.remote));
  }

  private start(attempt: RaceAttempt, nowMs: number): void {
    attempt.state = 'running';
    attempt.startedAtMs = nowMs;
    this.nextStartMs = this.attempts.some((a) => a.state === 'waiting') ? nowMs + this.attemptDelayMs : undefined;
  }
}
