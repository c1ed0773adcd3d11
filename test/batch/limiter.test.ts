import { describe, expect, it } from 'vitest';
import { CallGate, Semaphore } from '../../src/batch/limiter.js';
import { parseTasks } from '../../src/batch/tasks.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Semaphore', () => {
  it('lets at most `limit` in, in arrival order, and gives a place back once only', async () => {
    const s = new Semaphore(2);
    const order: number[] = [];
    const releases = await Promise.all([s.acquire(), s.acquire()]);
    const third = s.acquire().then((r) => (order.push(3), r));
    const fourth = s.acquire().then((r) => (order.push(4), r));
    await tick();
    expect(s.active).toBe(2);
    expect(order).toEqual([]);
    releases[0]!();
    releases[0]!(); // a second call must not free another place
    await tick();
    expect(order).toEqual([3]);
    releases[1]!();
    await tick();
    expect(order).toEqual([3, 4]);
    (await third)();
    (await fourth)();
    expect(s.active).toBe(0);
  });

  it('an aborted waiter leaves the queue with the abort reason', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'interrupted' });
    expect(s.waiting).toBe(0);
    held();
  });
});

describe('CallGate', () => {
  it('a back-off pauses new calls for the wait and halves the limit, once per wait', async () => {
    const gate = new CallGate(4);
    gate.backoff(150);
    gate.backoff(150); // the same overload seen by another call
    expect(gate.currentLimit).toBe(2);
    expect(gate.backoffs).toBe(1);
    const t0 = Date.now();
    const release = await gate.acquire();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    release();
  });

  it('climbs back one place per run of successes, up to the maximum', async () => {
    const gate = new CallGate(4);
    gate.backoff(0);
    expect(gate.currentLimit).toBe(2);
    for (let i = 0; i < 2; i++) (await gate.acquire())();
    expect(gate.currentLimit).toBe(3);
    for (let i = 0; i < 3; i++) (await gate.acquire())();
    expect(gate.currentLimit).toBe(4);
    for (let i = 0; i < 10; i++) (await gate.acquire())();
    expect(gate.currentLimit).toBe(4);
  });
});

describe('parseTasks', () => {
  it('accepts blank and comment lines, and numbers lines as the file does', () => {
    const { tasks, errors } = parseTasks('\n# tasks\n{"id":"a","prompt":"p","fix":2,"lang":"typescript"}\n\n{"id":"b"}\n');
    expect(tasks.map((t) => [t.spec.id, t.line])).toEqual([['a', 3]]);
    expect(errors).toEqual([{ line: 5, message: expect.stringContaining('"prompt"') }]);
  });

  it('gives an edited task a new fingerprint, and the same task the same one whatever its key order', () => {
    const a = parseTasks('{"id":"a","prompt":"p","fix":1}').tasks[0]!;
    const same = parseTasks('{"fix":1,"prompt":"p","id":"a"}').tasks[0]!;
    const edited = parseTasks('{"id":"a","prompt":"p","fix":2}').tasks[0]!;
    expect(same.fingerprint).toBe(a.fingerprint);
    expect(edited.fingerprint).not.toBe(a.fingerprint);
  });
});
