import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { longFlag, OPTIONS, type OptionSpec, optionNames } from '../../src/config/options.js';
import { type ConfigFlags, resolveConfig } from '../../src/config/resolve.js';
import { ROOT } from '../cli/harness.js';

/**
 * Every option with a top-level rc key is resolved from the table alone: a value for each layer, taken from the
 * option's type, must come back from that layer with its source. An option added to the table is covered here
 * without a line of its own.
 */
const SETTINGS = optionNames({ config: true });

/** Two different valid values of an option, from its spec. */
function values(spec: OptionSpec): [unknown, unknown] {
  switch (spec.type) {
    case 'enum':
      return [spec.values[1] ?? spec.values[0], spec.values[spec.values.length - 1]];
    case 'int':
      return [spec.min + 1, spec.min + 2];
    case 'number':
      return [spec.min + 0.5, spec.min + 1];
    case 'boolean':
      return [true, false];
    case 'paths':
      return [['a.py'], ['b.py']];
    default:
      return ['one', 'two'];
  }
}

const sources = (file: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => ({
  env,
  dotenvPath: null,
  fromDotenv: new Set<string>(),
  files: [{ path: '/p/.ptcrc.json', kind: 'project' as const, config: file }],
});

describe('settings come from the option table', () => {
  it('has a setting for every option with a top-level rc key, and for no other', async () => {
    const cfg = await resolveConfig({ cwd: '/p', env: {}, sources: sources({}) });
    expect(Object.keys(cfg.settings).sort()).toEqual([...SETTINGS].sort());
    expect(SETTINGS).toEqual(expect.arrayContaining(['provider', 'fix', 'candidates', 'tests']));
  });

  for (const name of SETTINGS) {
    const spec: OptionSpec = OPTIONS[name as keyof typeof OPTIONS];
    const [inFile, inFlag] = values(spec);
    it(`${name}: the flag over ${spec.env ? `${spec.env} over ` : ''}the rc file over the default`, async () => {
      const file = { [name]: inFile };
      const fromFile = await resolveConfig({ cwd: '/p', env: {}, sources: sources(file) });
      expect(fromFile.settings[name as keyof typeof fromFile.settings]).toEqual({ value: inFile, source: 'file /p/.ptcrc.json' });

      const flags = { [name]: inFlag } as ConfigFlags;
      const fromFlag = await resolveConfig({ cwd: '/p', env: {}, flags, sources: sources(file) });
      const flagShown = inFlag === false && spec.negation ? longFlag(spec.negation.flag) : longFlag(spec.flag);
      expect(fromFlag.settings[name as keyof typeof fromFlag.settings]).toEqual({ value: inFlag, source: `flag ${flagShown}` });

      if (spec.env) {
        const env = { [spec.env]: String(inFlag) };
        const fromEnv = await resolveConfig({ cwd: '/p', env, sources: sources(file, env) });
        expect(fromEnv.settings[name as keyof typeof fromEnv.settings]).toEqual({ value: inFlag, source: `env ${spec.env}` });
      }

      const byDefault = await resolveConfig({ cwd: '/p', env: {}, sources: sources({}) });
      const fallback = spec.type === 'paths' ? [] : (spec.default ?? null);
      expect(byDefault.settings[name as keyof typeof byDefault.settings]).toEqual({ value: fallback, source: 'default' });
    });
  }

  it('checks a choice given by a flag or the environment, and names where it came from', async () => {
    await expect(resolveConfig({ cwd: '/p', env: {}, flags: { sandbox: 'dockr' }, sources: sources({}) })).rejects.toThrow(/--sandbox: unknown value "dockr"; expected one of local, daytona/);
    const env = { PTC_PROVIDER: 'antropic' };
    await expect(resolveConfig({ cwd: '/p', env, sources: sources({}, env) })).rejects.toThrow(/PTC_PROVIDER: unknown value "antropic".*did you mean "anthropic"/);
  });
});

describe('.ptcrc.example', () => {
  it('documents every option an rc file can set', () => {
    const example = readFileSync(join(ROOT, '.ptcrc.example'), 'utf8');
    for (const name of SETTINGS) expect(example, name).toMatch(new RegExp(`^#? ?${name}:`, 'm'));
  });
});
