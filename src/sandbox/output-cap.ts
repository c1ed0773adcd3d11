/**
 * Output kept up to a cap, head and tail, with a marker where it was cut: one rule for the local sandbox's
 * streams and the text Daytona hands back.
 */

export function truncationMarker(omitted: number): string {
  return `\n…[output truncated by ptc: ${omitted} bytes omitted]\n`;
}

/** Keeps the first and last halves of a stream once it outgrows the cap: errors tend to sit at the end. */
export class CappedOutput {
  private readonly headCap: number;
  private readonly tailCap: number;
  private head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  private omitted = 0;

  constructor(capBytes: number) {
    const cap = Math.max(0, Math.floor(capBytes));
    this.headCap = Math.floor(cap / 2);
    this.tailCap = cap - this.headCap;
  }

  push(chunk: Buffer): void {
    let rest = chunk;
    if (this.headLen < this.headCap) {
      const take = Math.min(this.headCap - this.headLen, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headLen += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailLen += rest.length;
    while (this.tailLen > this.tailCap && this.tail.length > 0) {
      const first = this.tail[0]!;
      const excess = this.tailLen - this.tailCap;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailLen -= first.length;
        this.omitted += first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailLen -= excess;
        this.omitted += excess;
      }
    }
  }

  get truncated(): boolean {
    return this.omitted > 0;
  }

  toString(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    return this.omitted > 0 ? head + truncationMarker(this.omitted) + tail : head + tail;
  }
}

/** A whole text capped the same way (Daytona returns output in one piece). */
export function capText(text: string, capBytes: number): { text: string; truncated: boolean } {
  const out = new CappedOutput(capBytes);
  out.push(Buffer.from(text, 'utf8'));
  return { text: out.toString(), truncated: out.truncated };
}
