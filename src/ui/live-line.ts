import { formatUsd } from '../cost/money.js';
import type { ResultDraft } from '../report/build.js';
import type { IO } from './io.js';

/**
 * The live status on stderr while ptc works: the phase, elapsed time, tokens so far and running cost.
 * Drawn only on a TTY (the IO decides); repair rounds leave one permanent line each.
 */
export class LiveLine {
  private phaseText = '';
  private tokens = 0;
  /** True while only thinking streams: the line says so, so a long silence in the answer does not look hung. */
  private thinking = false;
  private readonly started = Date.now();
  private lastDraw = 0;
  private spent: number | null = null;
  private firstRound: ResultDraft['rounds'][number] | null = null;
  // Redraws once a second so the clock moves while nothing streams (a thinking model, a long test run): a
  // frozen "0.1s" looks hung.
  private ticker: NodeJS.Timeout | null = null;

  constructor(private readonly io: IO) {}

  phase(text: string): void {
    this.phaseText = text;
    this.tokens = 0;
    this.thinking = false;
    this.draw(true);
    if (!this.ticker && this.io.interactive) {
      this.ticker = setInterval(() => this.draw(true), 1000);
      // The clock never keeps ptc alive on its own.
      this.ticker.unref();
    }
  }

  delta(_text: string, outputTokens: number, spentUsd: number | null = null, thinking = false): void {
    this.tokens = outputTokens;
    if (spentUsd !== null) this.spent = spentUsd;
    // The first thinking delta and the first answer delta after it change the words: drawn at once.
    const changed = thinking !== this.thinking;
    this.thinking = thinking;
    this.draw(changed);
  }

  /**
   * One line per round, once there is more than one: a run without repairs has its summary in the report, so
   * round 0 is held back until round 1 shows that repairs are happening.
   */
  round(round: ResultDraft['rounds'][number], draft: ResultDraft): void {
    this.spent = draft.cost?.usd ?? null;
    if (!this.io.interactive) return;
    if (round.round === 0) {
      this.firstRound = round;
      return;
    }
    if (this.firstRound) {
      this.io.note(this.roundLine(this.firstRound));
      this.firstRound = null;
    }
    this.io.note(this.roundLine(round));
  }

  private roundLine(round: ResultDraft['rounds'][number]): string {
    const t = round.tests;
    const tests = t ? `${t.passed}/${t.passed + t.failed + t.errors} passed` : 'no tests yet';
    const tokens = round.usage ? `${round.usage.inputTokens + round.usage.cacheReadTokens + round.usage.cacheWriteTokens} in / ${round.usage.outputTokens} out` : '';
    const cost = round.cost?.usd != null ? formatUsd(round.cost.usd) : '';
    return this.io.err.dim(`round ${round.round}: ${[tests, tokens, cost].filter(Boolean).join(' · ')}`);
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const elapsed = ((now - this.started) / 1000).toFixed(1);
    const parts = this.thinking ? [this.phaseText, 'thinking', `${elapsed}s`] : [this.phaseText, `${elapsed}s`];
    if (this.tokens > 0) parts.push(`${this.tokens} tokens`);
    if (this.spent !== null) parts.push(`~${formatUsd(this.spent)}`);
    this.io.progress(parts.join(' · '));
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.io.stopProgress();
  }
}
