/** Single-pass helpers the languages' content signals share (no regex runs over a whole text). */

export function lines(content: string): string[] {
  return content.split('\n');
}

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c === 46;
}

/** `needle` at the start of some line, after optional indentation. No split: indexOf and a look back. */
export function atLineStart(content: string, needle: string): boolean {
  let from = 0;
  for (;;) {
    const at = content.indexOf(needle, from);
    if (at < 0) return false;
    let k = at - 1;
    while (k >= 0 && (content.charCodeAt(k) === 32 || content.charCodeAt(k) === 9)) k--;
    if (k < 0 || content.charCodeAt(k) === 10) return true;
    from = at + 1;
  }
}

/** `name(` not preceded by an identifier character (so `latest(` is not `test(`). */
export function hasCall(content: string, name: string): boolean {
  const needle = `${name}(`;
  let from = 0;
  for (;;) {
    const at = content.indexOf(needle, from);
    if (at < 0) return false;
    if (at === 0 || !isIdentChar(content.charCodeAt(at - 1))) return true;
    from = at + 1;
  }
}
