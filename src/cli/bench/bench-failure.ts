/**
 * Runtime failures of `mpt bench`, reported as one line: `<message> (<code>)`.
 * @module
 */

/** A failure of the bench's own (not the connection's), with the code it is reported with. */
export class BenchFailure extends Error {
  /** A system-style code, e.g. EADDRNOTAVAIL. */
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'BenchFailure';
    this.code = code;
  }
}

/** `message (code)` on one line, from any thrown value: its `code` when it has one, else its name. */
export function describeFailure(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
  const code = (error as { code?: unknown } | null)?.code;
  const tag = typeof code === 'string' && code !== '' ? code : error instanceof Error ? error.name : 'Error';
  return `${message} (${tag})`;
}
