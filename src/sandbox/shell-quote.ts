/** One shell word, whatever it holds: single-quoted, each `'` closed, escaped and reopened. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
