/**
 * Node only (the benches' CLIs): kept out of bench/harness.ts, whose median and tables the browser
 * bench page imports too, so that the page's type check has no `process` in scope.
 */

/** Resolves once the text (and a newline) is flushed: process.exit right after a plain write can cut a piped stdout. */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text + '\n', () => resolve()));
}
