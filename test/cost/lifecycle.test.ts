import { describe, expect, it } from 'vitest';
import { findModel, loadCatalog } from '../../src/cost/catalog.js';
import { checkRetirement, daysUntil, nowFrom } from '../../src/cost/lifecycle.js';
import { ConfigError } from '../../src/errors.js';

const cat = loadCatalog();
const model = (id: string) => findModel(cat, 'openai', id)!;

describe('retirement', () => {
  it('counts whole days to a shutdown day', () => {
    expect(daysUntil('2026-12-11', new Date('2026-11-30T00:00:00Z'))).toBe(11);
    expect(daysUntil('2026-12-11', new Date('2026-12-10T18:00:00Z'))).toBe(1);
    expect(daysUntil('2026-12-11', new Date('2026-12-11T00:00:00Z'))).toBe(0);
  });

  it('says nothing more than 30 days out, warns within 30 days naming the replacement', () => {
    expect(checkRetirement(model('gpt-5-mini'), 'gpt-5-mini', new Date('2026-11-10T00:00:00Z'))).toBeNull();
    expect(checkRetirement(model('gpt-5-mini'), 'gpt-5-mini', new Date('2026-11-11T00:00:00Z'))).toBe(
      'gpt-5-mini retires on 2026-12-11 (in 30 days): use gpt-5.4-mini',
    );
  });

  it('refuses a model on or after its shutdown day, or marked retired, with the replacement in the hint', () => {
    const err = (() => {
      try {
        checkRetirement(model('gpt-5'), 'gpt-5', new Date('2026-12-11T09:00:00Z'));
      } catch (e) {
        return e as ConfigError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code: 'model_retired', exitCode: 2, message: 'gpt-5 was retired by its provider on 2026-12-11' });
    expect(err!.hint).toContain('--model gpt-5.4');
    const old = findModel(cat, 'anthropic', 'claude-3-5-sonnet-20241022')!;
    expect(() => checkRetirement(old, 'claude-3-5-sonnet-20241022', new Date('2020-01-01'))).toThrow(/claude-3-5-sonnet-20241022 was retired/);
  });

  it('without a successor the hint points at ptc models', () => {
    const m = { ...model('gpt-5'), successor: undefined };
    expect(checkRetirement(m, 'gpt-5', new Date('2026-12-01T00:00:00Z'))).toBe('gpt-5 retires on 2026-12-11 (in 10 days): pick a current model from `ptc models`');
  });

  it('PTC_NOW stands in for the clock; an unreadable value is ignored', () => {
    expect(nowFrom({ PTC_NOW: '2026-12-01' }).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(Math.abs(nowFrom({ PTC_NOW: 'soon' }).getTime() - Date.now())).toBeLessThan(5000);
  });
});
