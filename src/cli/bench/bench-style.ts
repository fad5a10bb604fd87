/**
 * Terminal styling of the bench's text: bold headings and a red failed or closed path, only when the
 * output is a terminal and NO_COLOR is unset (https://no-color.org); plain text otherwise.
 * @module
 */

/** Wraps text in styles, or returns it as is. */
export interface BenchStyle {
  /** A heading. */
  heading(text: string): string;
  /** Something gone wrong. */
  bad(text: string): string;
}

const PLAIN: BenchStyle = { heading: (text) => text, bad: (text) => text };

const ANSI: BenchStyle = {
  heading: (text) => `\x1b[1m${text}\x1b[22m`,
  bad: (text) => `\x1b[31m${text}\x1b[39m`,
};

/** Styles for a stream: ANSI on a TTY without NO_COLOR (any non-empty value), plain otherwise. */
export function benchStyle(isTty: boolean, env: NodeJS.ProcessEnv): BenchStyle {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return isTty && !noColor ? ANSI : PLAIN;
}
