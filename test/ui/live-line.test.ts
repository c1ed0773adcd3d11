import { afterEach, expect, it, vi } from 'vitest';
import { plainColors } from '../../src/ui/color.js';
import type { IO } from '../../src/ui/io.js';
import { LiveLine } from '../../src/ui/live-line.js';

function fakeIO() {
  const lines: string[] = [];
  const notes: string[] = [];
  const io = { interactive: true, err: plainColors, progress: (t: string) => lines.push(t), note: (t: string) => notes.push(t), stopProgress() {} };
  return { io: io as unknown as IO, lines, notes };
}

afterEach(() => {
  vi.useRealTimers();
});

it('shows the phase, elapsed time, tokens so far and the running cost', () => {
  vi.useFakeTimers();
  const { io, lines } = fakeIO();
  const live = new LiveLine(io);
  live.phase('asking kimi/kimi-k2.5');
  expect(lines).toEqual(['asking kimi/kimi-k2.5 · 0.0s']);
  // Deltas within 100 ms of the last draw are not redrawn: a fast stream must not flood the terminal.
  live.delta('def f', 120, 0.01234);
  expect(lines).toHaveLength(1);
  vi.advanceTimersByTime(1500);
  live.delta('def f', 240, 0.02468);
  expect(lines.at(-1)).toBe('asking kimi/kimi-k2.5 · 1.5s · 240 tokens · ~$0.0247');
});

it('prints one line per repair round with tests, tokens and cost', () => {
  const { io, notes } = fakeIO();
  const live = new LiveLine(io);
  const round = {
    round: 1,
    usage: { inputTokens: 900, outputTokens: 300, cacheReadTokens: 100, cacheWriteTokens: 0 },
    cost: { usd: 0.0042, source: 'catalog' as const },
    tests: { ran: true, sandbox: 'local' as const, passed: 3, failed: 1, errors: 0, skipped: 0, durationMs: 10, cases: [] },
  };
  live.round(round, { cost: { usd: 0.008, source: 'catalog' } } as never);
  expect(notes).toEqual(['round 1: 3/4 passed · 1000 in / 300 out · $0.0042']);
});
