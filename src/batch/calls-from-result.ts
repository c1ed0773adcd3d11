import type { CallRecord } from '../history/call-record.js';
import type { Result } from '../report/result-schema.js';

/**
 * Call records rebuilt from a finished task's result, for when the pipeline reported no calls itself
 * (it has no per-call hook yet). One record per round that called the model; a provider failure adds a
 * failed call. `callMs` are the calls' durations as timed from outside, in order.
 */
export function callsFromResult(result: Result, base: { at: number; command: string; task: string | null; callMs: number[] }): CallRecord[] {
  if (result.provider === null) return [];
  const who = { provider: result.provider, model: result.model ?? 'unknown', command: base.command, task: base.task, at: base.at };
  const calls: CallRecord[] = result.rounds
    .filter((r) => r.usage !== null)
    .map((r, i) => ({
      ...who,
      usage: r.usage,
      cost: r.cost,
      durationMs: base.callMs[i] ?? 0,
      outcome: 'ok' as const,
      round: r.round,
    }));
  if (result.error && result.exitCode === 3) {
    calls.push({ ...who, usage: null, cost: null, durationMs: base.callMs[calls.length] ?? 0, outcome: 'error', errorCode: result.error.code, round: calls.length });
  }
  return calls;
}
