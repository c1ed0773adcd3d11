/**
 * Warm sandboxes for front ends that run many tasks (batch, eval through batch, serve, mcp): at most `max`
 * remote sandboxes, each lent to one task at a time with a clean working folder of its own, so a task pays for
 * a sandbox's create and its runner's install only when no warm one is free. What a task installed stays for
 * the next (the packages folder is shared); what it wrote and left running goes when it gives the sandbox back.
 * A sandbox that failed is deleted and replaced, never lent again; an idle one is deleted after `idleMs`; every
 * one is deleted by close().
 */
import { SandboxError } from '../errors.js';
import type { Logger, Sandbox } from '../types.js';
import { silentLogger } from '../types.js';

/** What a sandbox must do to be pooled (the Daytona sandbox does it). */
export interface PoolMember extends Sandbox {
  readonly id: string;
  /** Work from now on in a new, empty folder `name`, with the sandbox's shared packages in view. */
  enter(name: string): Promise<void>;
  /** Remove the task's folder and stop what it left running; throws when the sandbox cannot be used again. */
  leave(): Promise<void>;
}

export interface PoolStats {
  /** Sandboxes created by the pool (replacements included). */
  created: number;
  /** Of those, deleted so far (all of them after close()). */
  deleted: number;
  /** Tasks each created sandbox served, in the order they were created. */
  tasksPerSandbox: number[];
  /** Sandboxes deleted because they failed. */
  replaced: number;
}

export interface PoolOptions {
  max: number;
  /** Delete a sandbox idle this long (serve, mcp); null: keep it until close() (batch). */
  idleMs?: number | null;
  logger?: Logger;
}

type Create = () => Promise<PoolMember>;

interface Entry {
  member: PoolMember;
  key: string;
  tasks: number;
  busy: boolean;
  idleTimer: NodeJS.Timeout | null;
  /** Its index in tasksPerSandbox. */
  index: number;
}

interface Waiter {
  key: string;
  create: Create;
  grant: (e: Entry) => void;
  fail: (err: unknown) => void;
}

export class SandboxPool {
  private readonly entries = new Set<Entry>();
  private readonly creating = new Map<string, number>();
  private readonly wanted = new Map<string, { n: number; create: Create }>();
  private readonly waiters: Waiter[] = [];
  private readonly tasks: number[] = [];
  private deletedCount = 0;
  private replacedCount = 0;
  private folders = 0;
  private closed = false;
  private readonly logger: Logger;
  private readonly closing = new AbortController();

  constructor(private readonly opts: PoolOptions) {
    if (!Number.isInteger(opts.max) || opts.max < 1) throw new RangeError(`pool size must be a whole number ≥ 1, got ${opts.max}`);
    this.logger = opts.logger ?? silentLogger;
  }

  /** A run will ask for a `key` sandbox soon: start one if none is free. The function withdraws the request. */
  warm(key: string, create: Create): () => void {
    if (this.closed) return () => {};
    const w = this.wanted.get(key) ?? { n: 0, create };
    w.n++;
    this.wanted.set(key, w);
    this.pump();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const cur = this.wanted.get(key);
      if (cur && --cur.n <= 0) this.wanted.delete(key);
    };
  }

  /** A sandbox for one task, in a clean folder; its dispose() gives it back. */
  lease(key: string, create: Create, signal?: AbortSignal): Promise<Sandbox> {
    return this.acquire(key, create, signal, false);
  }

  private acquire(key: string, create: Create, signal: AbortSignal | undefined, retried: boolean): Promise<Sandbox> {
    if (this.closed) return Promise.reject(new SandboxError('the sandbox pool is closed', { code: 'sandbox_pool_closed' }));
    return new Promise<Entry>((grant, fail) => {
      const waiter: Waiter = { key, create, grant, fail };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        fail(signal!.reason);
      };
      if (signal?.aborted) return fail(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter.grant = (e) => {
        signal?.removeEventListener('abort', onAbort);
        grant(e);
      };
      this.waiters.push(waiter);
      this.pump();
    }).then((entry) => this.open(entry, key, create, signal, retried));
  }

  /** Fires when the pool closes: creates under way should stop (what they made is deleted). */
  get signal(): AbortSignal {
    return this.closing.signal;
  }

  stats(): PoolStats {
    return { created: this.tasks.length, deleted: this.deletedCount, tasksPerSandbox: [...this.tasks], replaced: this.replacedCount };
  }

  /** Delete every sandbox (idle or not) and refuse new leases. Never throws. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort(new SandboxError('the sandbox pool is closed', { code: 'sandbox_pool_closed' }));
    for (const w of this.waiters.splice(0)) w.fail(new SandboxError('the sandbox pool is closed', { code: 'sandbox_pool_closed' }));
    this.wanted.clear();
    // Creates under way are deleted when they land (see spawn).
    await Promise.allSettled([...this.entries].map((e) => this.remove(e)));
    while ([...this.creating.values()].some((n) => n > 0)) await new Promise((r) => setTimeout(r, 20));
  }

  private async open(entry: Entry, key: string, create: Create, signal: AbortSignal | undefined, retried: boolean): Promise<Sandbox> {
    const folder = `task-${++this.folders}`;
    try {
      await entry.member.enter(folder);
    } catch (err) {
      // A sandbox that cannot even make a folder is replaced; the task waits for another, once.
      this.replacedCount++;
      this.logger.debug(`sandbox pool: sandbox ${entry.member.id} failed (${(err as Error).message}); it is deleted and replaced`);
      await this.remove(entry);
      this.pump();
      if (retried || signal?.aborted || this.closed) throw err;
      return this.acquire(key, create, signal, true);
    }
    entry.tasks++;
    this.tasks[entry.index] = entry.tasks;
    this.logger.debug(`sandbox pool: task ${entry.tasks} in sandbox ${entry.member.id} (folder ${folder})`);
    return this.leaseOf(entry);
  }

  /** What a task holds: the member's work, failures noted, and a dispose that gives the sandbox back. */
  private leaseOf(entry: Entry): Sandbox {
    const m = entry.member;
    let broken = false;
    let returned: Promise<void> | null = null;
    const noted = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (err) {
        // The sandbox failed (not the task's run being stopped): it is not lent again.
        if (err instanceof SandboxError) broken = true;
        throw err;
      }
    };
    return {
      kind: m.kind,
      get root() {
        return m.root;
      },
      prepare: (files, remove) => noted(() => m.prepare(files, remove)),
      exec: (command, o) => noted(() => m.exec(command, o)),
      readFile: (path) => noted(() => m.readFile(path)),
      dispose: () => {
        returned ??= this.giveBack(entry, () => broken);
        return returned;
      },
    };
  }

  private async giveBack(entry: Entry, broken: () => boolean): Promise<void> {
    let usable = !broken();
    if (usable) {
      try {
        await entry.member.leave();
      } catch (err) {
        this.logger.debug(`sandbox pool: could not clear sandbox ${entry.member.id}: ${(err as Error).message}`);
        usable = false;
      }
    }
    if (!usable || this.closed) {
      if (!usable) {
        this.replacedCount++;
        this.logger.debug(`sandbox pool: sandbox ${entry.member.id} failed; it is deleted and replaced`);
      }
      await this.remove(entry);
    } else {
      entry.busy = false;
      this.armIdle(entry);
    }
    this.pump();
  }

  private armIdle(entry: Entry): void {
    if (this.opts.idleMs == null) return;
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = null;
      if (entry.busy || !this.entries.has(entry)) return;
      this.logger.debug(`sandbox pool: sandbox ${entry.member.id} idle for ${Math.round(this.opts.idleMs! / 1000)}s; deleting it`);
      void this.remove(entry);
    }, this.opts.idleMs);
    entry.idleTimer.unref();
  }

  private async remove(entry: Entry): Promise<void> {
    if (!this.entries.delete(entry)) return;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    await entry.member.dispose().catch(() => {});
    this.deletedCount++;
  }

  private get size(): number {
    let n = this.entries.size;
    for (const c of this.creating.values()) n += c;
    return n;
  }

  private pump(): void {
    if (this.closed) return;
    // Free sandboxes go to the waiting tasks, oldest first.
    for (const w of [...this.waiters]) {
      const free = [...this.entries].find((e) => !e.busy && e.key === w.key);
      if (!free) continue;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      free.busy = true;
      if (free.idleTimer) clearTimeout(free.idleTimer), (free.idleTimer = null);
      w.grant(free);
    }
    // Then create what is asked for and not on its way, as far as the limit allows.
    const demand = new Map<string, { n: number; create: Create }>();
    for (const w of this.waiters) {
      const d = demand.get(w.key) ?? { n: 0, create: w.create };
      d.n++;
      demand.set(w.key, d);
    }
    for (const [key, w] of this.wanted) {
      const d = demand.get(key) ?? { n: 0, create: w.create };
      d.n += w.n;
      demand.set(key, d);
    }
    for (const [key, d] of demand) {
      const free = [...this.entries].filter((e) => !e.busy && e.key === key).length;
      let missing = d.n - free - (this.creating.get(key) ?? 0);
      while (missing > 0) {
        if (this.size >= this.opts.max && !this.evictIdleOtherThan(key)) break;
        this.spawn(key, d.create);
        missing--;
      }
    }
  }

  /** Makes room for another kind of sandbox by deleting an idle one nobody is asking for. */
  private evictIdleOtherThan(key: string): boolean {
    const victim = [...this.entries].find((e) => !e.busy && e.key !== key && !this.waiters.some((w) => w.key === e.key) && !this.wanted.has(e.key));
    if (!victim) return false;
    this.entries.delete(victim);
    if (victim.idleTimer) clearTimeout(victim.idleTimer);
    void victim.member.dispose().catch(() => {}).finally(() => this.deletedCount++);
    return true;
  }

  private spawn(key: string, create: Create): void {
    this.creating.set(key, (this.creating.get(key) ?? 0) + 1);
    this.logger.debug(`sandbox pool: creating a sandbox (${this.size} of at most ${this.opts.max})`);
    create().then(
      (member) => {
        this.creating.set(key, this.creating.get(key)! - 1);
        const index = this.tasks.push(0) - 1;
        this.logger.debug(`sandbox pool: sandbox ${index + 1} (${member.id}) is ready`);
        const entry: Entry = { member, key, tasks: 0, busy: false, idleTimer: null, index };
        this.entries.add(entry);
        if (this.closed) return void this.remove(entry);
        this.armIdle(entry);
        this.pump();
      },
      (err: unknown) => {
        this.creating.set(key, this.creating.get(key)! - 1);
        // The task waiting longest for this kind hears why; the others get another try.
        const i = this.waiters.findIndex((w) => w.key === key);
        if (i >= 0) this.waiters.splice(i, 1)[0]!.fail(err);
        else this.logger.debug(`sandbox pool: creating a sandbox failed: ${(err as Error).message}`);
        this.wanted.delete(key);
        this.pump();
      },
    );
  }
}
