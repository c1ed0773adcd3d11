import { UsageError } from '../errors.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';
import type { Target } from './types.js';

/** `-m kimi:kimi-k2.5 -m anthropic:claude-sonnet-4-6`: each a provider and a model, in the order given, no repeats. */
export function parseTargets(values: string[] | undefined): Target[] {
  if (!values || values.length === 0) {
    throw new UsageError('ptc eval needs at least one target model', { hint: 'ptc eval humaneval -m kimi:kimi-k2.5 -m anthropic:claude-sonnet-4-6' });
  }
  const targets: Target[] = [];
  for (const raw of values) {
    const at = raw.indexOf(':');
    const provider = raw.slice(0, at);
    const model = raw.slice(at + 1).trim();
    if (at <= 0 || model === '') {
      throw new UsageError(`-m ${raw}: a target is <provider>:<model>`, { hint: `e.g. -m kimi:kimi-k2.5 (providers: ${PROVIDER_IDS.join(', ')})` });
    }
    if (!(PROVIDER_IDS as readonly string[]).includes(provider)) {
      throw new UsageError(`-m ${raw}: unknown provider "${provider}"`, { hint: `one of ${PROVIDER_IDS.join(', ')}` });
    }
    const name = `${provider}:${model}`;
    if (targets.some((t) => t.name === name)) throw new UsageError(`-m ${name} is given twice`, { hint: 'name each target once' });
    targets.push({ provider: provider as ProviderId, model, name, slug: slugOf(provider, model, targets) });
  }
  return targets;
}

/** `openrouter:moonshotai/kimi-k2` → `openrouter-moonshotai_kimi-k2`; a clash with an earlier target gets a number. */
function slugOf(provider: string, model: string, earlier: Target[]): string {
  const base = `${provider}-${model.replace(/[^A-Za-z0-9._-]/g, '_')}`.slice(0, 100);
  let slug = base;
  for (let n = 2; earlier.some((t) => t.slug === slug); n++) slug = `${base}-${n}`;
  return slug;
}
