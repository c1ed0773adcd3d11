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

it('prints one line per round once repairs happen, and nothing for a run without them', () => {
  const { io, notes } = fakeIO();
  const live = new LiveLine(io);
  const round = (n: number, passed: number) => ({
    round: n,
    usage: { inputTokens: 900, outputTokens: 300, cacheReadTokens: 100, cacheWriteTokens: 0 },
    cost: { usd: 0.0042, source: 'catalog' as const },
    tests: { ran: true, sandbox: 'local' as const, passed, failed: 4 - passed, errors: 0, skipped: 0, durationMs: 10, cases: [] },
  });
  const draft = { cost: { usd: 0.008, source: 'catalog' } } as never;
  live.round(round(0, 3), draft);
  expect(notes).toEqual([]);
  live.round(round(1, 4), draft);
  expect(notes).toEqual(['round 0: 3/4 passed · 1000 in / 300 out · $0.0042', 'round 1: 4/4 passed · 1000 in / 300 out · $0.0042']);
});

it('the clock ticks every second while nothing streams, and stops with the line', () => {
  vi.useFakeTimers();
  const { io, lines } = fakeIO();
  const live = new LiveLine(io);
  live.phase('asking kimi/kimi-k2.5');
  // A thinking model: no delta for three seconds.
  vi.advanceTimersByTime(3000);
  expect(lines).toEqual(['asking kimi/kimi-k2.5 · 0.0s', 'asking kimi/kimi-k2.5 · 1.0s', 'asking kimi/kimi-k2.5 · 2.0s', 'asking kimi/kimi-k2.5 · 3.0s']);
  live.phase('running tests');
  vi.advanceTimersByTime(1000);
  expect(lines.slice(-2)).toEqual(['running tests · 3.0s', 'running tests · 4.0s']);
  live.stop();
  vi.advanceTimersByTime(5000);
  expect(lines.at(-1)).toBe('running tests · 4.0s');
});

it('draws nothing on its own where the IO is not interactive', () => {
  vi.useFakeTimers();
  const { io, lines } = fakeIO();
  (io as { interactive: boolean }).interactive = false;
  const live = new LiveLine(io);
  live.phase('running tests');
  vi.advanceTimersByTime(3000);
  expect(lines).toHaveLength(1);
  live.stop();
});

it('says "thinking" while only thinking streams, keeps the clock moving, and drops the word when the answer starts', () => {
  vi.useFakeTimers();
  const { io, lines } = fakeIO();
  const live = new LiveLine(io);
  live.phase('asking kimi/kimi-k2.6');
  live.delta('', 40, null, true);
  expect(lines.at(-1)).toBe('asking kimi/kimi-k2.6 · thinking · 0.0s · 40 tokens');
  // Nothing but thinking for two seconds: the ticker redraws it with the clock moving.
  vi.advanceTimersByTime(2000);
  expect(lines.at(-1)).toBe('asking kimi/kimi-k2.6 · thinking · 2.0s · 40 tokens');
  live.delta('def f', 60, null, false);
  expect(lines.at(-1)).toBe('asking kimi/kimi-k2.6 · 2.0s · 60 tokens');
  live.stop();
});
