/** A fixed number of slots for requests in flight; a full house is answered at once (429), never queued. */
export class Slots {
  private used = 0;
  constructor(readonly size: number) {}

  tryAcquire(): (() => void) | null {
    if (this.used >= this.size) return null;
    this.used += 1;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.used -= 1;
      }
    };
  }

  get inUse(): number {
    return this.used;
  }
}
