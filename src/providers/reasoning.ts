import type { ReasoningLevel, ThinkingRequest } from '../types.js';

/**
 * `--reasoning` and the output cap. Thinking tokens are output tokens on every provider: they count toward the
 * cap and are billed at the output price. So the cap ptc sends is the answer's allowance plus a thinking
 * allowance, within the model's maximum output, and a default run is never cut off by its own thinking.
 */

/** Room for the answer itself (the code and tests) when `--max-tokens` is not given. */
export const ANSWER_TOKENS = 8192;

/** Thinking allowance per level: Anthropic's `budget_tokens`, and the headroom added to the cap elsewhere. */
export const THINKING_BUDGET: Record<Exclude<ReasoningLevel, 'off'>, number> = {
  low: 2048,
  medium: 8192,
  high: 24576,
};

/** Anthropic refuses a thinking budget below this. */
export const MIN_THINKING_BUDGET = 1024;

/** What the catalog says about the model (nothing, for a model it does not list). */
export interface ModelLimits {
  maxOutput?: number;
  reasoning?: 'none' | 'optional' | 'always';
}

export interface OutputPlanInput {
  model: string;
  entry: ModelLimits | null;
  /** `--reasoning`; null when not given (the model's own default). */
  level: ReasoningLevel | null;
  /** `--max-tokens`: the answer's allowance; null when not given. */
  maxTokens: number | null;
  /** The wire needs a cap on every call (Anthropic), or a budget (--max-cost) must bound the call. */
  capRequired: boolean;
}

export interface OutputPlan {
  /** The cap sent with the call (thinking and answer together); null: send none, the provider's own applies. */
  maxTokens: number | null;
  thinking: ThinkingRequest;
  /** Whether the model is expected to think (for the hint when a reply is cut off). */
  thinks: boolean;
  /** Said once as warnings: a level the model cannot honour, a cap above the model's maximum. */
  notes: string[];
}

export function planOutput(i: OutputPlanInput): OutputPlan {
  const notes: string[] = [];
  const support = i.entry?.reasoning;
  let send: ReasoningLevel | null = i.level;
  let thinks: boolean;
  if (i.level === null) {
    // Not asked: current thinking models think by default, so leave room for it.
    thinks = support === 'optional' || support === 'always';
  } else if (support === 'none') {
    notes.push(`${i.model} does not think: --reasoning ${i.level} is not sent`);
    send = null;
    thinks = false;
  } else if (i.level === 'off' && support === 'always') {
    notes.push(`${i.model} always thinks: --reasoning off is not sent`);
    send = null;
    thinks = true;
  } else {
    thinks = i.level !== 'off';
  }
  const allowance = thinks ? THINKING_BUDGET[send === null || send === 'off' ? 'medium' : send] : 0;

  const answer = i.maxTokens ?? (i.capRequired || thinks ? ANSWER_TOKENS : null);
  let cap = answer === null ? null : answer + allowance;
  const maxOutput = i.entry?.maxOutput;
  if (cap !== null && maxOutput !== undefined && cap > maxOutput) {
    if (i.maxTokens !== null && i.maxTokens > maxOutput) {
      notes.push(`--max-tokens ${i.maxTokens} is above ${i.model}'s maximum output of ${maxOutput} tokens: asking for ${maxOutput}`);
    }
    cap = maxOutput;
  }

  let budgetTokens: number | null = null;
  if (send !== null && send !== 'off' && cap !== null) {
    // The budget must stay below the cap: the answer keeps its allowance, or half the cap when the model's
    // maximum output squeezed it.
    budgetTokens = Math.min(THINKING_BUDGET[send], cap - Math.min(answer ?? ANSWER_TOKENS, Math.floor(cap / 2)));
    if (budgetTokens < MIN_THINKING_BUDGET) {
      notes.push(`--max-tokens ${cap} leaves no room for thinking (at least ${MIN_THINKING_BUDGET} tokens): thinking is off`);
      send = support === 'always' ? null : 'off';
      budgetTokens = null;
      thinks = support === 'always';
    }
  }
  return { maxTokens: cap, thinking: { level: send, budgetTokens }, thinks, notes };
}

/** How a provider takes the level. */
export type ThinkingWire = 'anthropic' | 'openai' | 'kimi' | 'openrouter' | 'compatible';

/**
 * The body fields for an OpenAI-compatible wire. OpenAI takes `reasoning_effort`; Kimi takes
 * `reasoning_effort` or a `thinking` switch, never both; OpenRouter normalises everything under `reasoning`.
 */
export function chatThinkingFields(wire: ThinkingWire, t: ThinkingRequest | undefined): Record<string, unknown> {
  if (!t || t.level === null) return {};
  switch (wire) {
    case 'openai':
      // 'none' turns reasoning off on the models that allow it; older ones reject it and answer 400.
      return { reasoning_effort: t.level === 'off' ? 'none' : t.level };
    case 'kimi':
      return t.level === 'off' ? { thinking: { type: 'disabled' } } : { reasoning_effort: t.level };
    case 'openrouter':
      return { reasoning: t.level === 'off' ? { enabled: false } : { effort: t.level } };
    case 'compatible':
      // Local servers (vLLM, Ollama's OpenAI endpoint) read reasoning_effort where they support thinking.
      return t.level === 'off' ? {} : { reasoning_effort: t.level };
    case 'anthropic':
      return {};
  }
}

/** Anthropic's `thinking` field: a budget inside max_tokens, or off. */
export function anthropicThinkingField(t: ThinkingRequest | undefined): Record<string, unknown> {
  if (!t || t.level === null) return {};
  if (t.level === 'off' || t.budgetTokens === null) return { thinking: { type: 'disabled' } };
  return { thinking: { type: 'enabled', budget_tokens: t.budgetTokens } };
}

/**
 * Thinking the stream showed but the usage did not break out: an estimate (about four characters a token),
 * never more than the output it is part of.
 */
export function withSeenThinking<U extends { outputTokens: number; reasoningTokens?: number }>(usage: U, thinkingChars: number): U {
  if (usage.reasoningTokens !== undefined || thinkingChars === 0) return usage;
  return { ...usage, reasoningTokens: Math.min(usage.outputTokens, Math.ceil(thinkingChars / 4)) };
}
