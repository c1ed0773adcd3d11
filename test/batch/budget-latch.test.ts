import { describe, expect, it } from 'vitest';
import { BudgetPool } from '../../src/batch/budget-pool.js';
import { FirstCallLatch } from '../../src/batch/first-call.js';
import { Semaphore } from '../../src/batch/limiter.js';
import { ProviderError } from '../../src/errors.js';

describe('BudgetPool', () => {
  it('holds each worst case until it settles, lets a waiter in when a call settles lower, refuses what can never fit', async () => {
    const pool = new BudgetPool(3);
    const a = (await pool.reserve(1.5))!;
    const b = (await pool.reserve(1.5))!;
    expect(pool.committedUsd).toBe(3);
    let third: unknown = 'waiting';
    const waiting = pool.reserve(1).then((h) => (third = h));
    await Promise.resolve();
    expect(third).toBe('waiting'); // spent + reserved would pass the limit
    a.settle(0.5);
    await waiting;
    expect(third).not.toBeNull();
    expect(pool.committedUsd).toBeLessThanOrEqual(3);
    b.settle(1.5);
    (third as { settle(u: number): void }).settle(1);
    expect(pool.spentUsd).toBe(3);
    expect(await pool.reserve(0.01)).toBeNull();
  });
});

describe('FirstCallLatch', () => {
  const gate = () => {
    const s = new Semaphore(10);
    return { acquire: (signal: AbortSignal) => s.acquire(signal), backoff: () => {} };
  };
  const signal = new AbortController().signal;

  it('holds calls of a kind until the first has answered; a refused key fails them all as batch_stopped', async () => {
    const latch = new FirstCallLatch();
    const inner = gate();
    const first = await latch.gateFor('k', inner).acquire(signal);
    const held = [latch.gateFor('k', inner).acquire(signal), latch.gateFor('k', inner).acquire(signal)];
    const other = await latch.gateFor('other-kind', inner).acquire(signal); // another model is not held
    other();
    first(new ProviderError('rejected the API key', { code: 'provider_auth', status: 401 }));
    for (const h of held) await expect(h).rejects.toMatchObject({ code: 'batch_stopped' });
    expect(latch.stopped?.code).toBe('provider_auth');
  });

  it('after a failure that is not a set-up failure the next call goes first; after a success all go', async () => {
    const latch = new FirstCallLatch();
    const inner = gate();
    const first = await latch.gateFor('k', inner).acquire(signal);
    let second: ((e?: unknown) => void) | null = null;
    const secondP = latch.gateFor('k', inner).acquire(signal).then((r) => (second = r));
    let third: ((e?: unknown) => void) | null = null;
    const thirdP = latch.gateFor('k', inner).acquire(signal).then((r) => (third = r));
    first(new ProviderError('server error', { code: 'provider_server', status: 500 }));
    await secondP;
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBeNull(); // the second is the new first call
    second!();
    await thirdP;
    expect(third).not.toBeNull();
    expect(latch.stopped).toBeNull();
  });
});
