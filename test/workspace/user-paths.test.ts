import { describe, expect, it } from 'vitest';
import { userPathGuard } from '../../src/workspace/user-paths.js';

/** What a reply may not write while the user's tests take part, in each language, and what it still may. */
const guard = (acceptance: string[], o: { context?: string[]; force?: boolean; userTests?: boolean } = {}) =>
  userPathGuard({ acceptance, context: o.context ?? [], userTests: o.userTests ?? true, force: o.force ?? false })!;

describe('the write guard for the user\'s files', () => {
  const py = guard(['test_calc.py', 'spec/test_api.py']);

  it('refuses the acceptance tests themselves, in any case', () => {
    expect(py('test_calc.py', '')).toMatch(/acceptance tests/);
    expect(py('Test_Calc.py', '')).toMatch(/acceptance tests/);
    expect(py('spec/test_api.py', '')).toMatch(/acceptance tests/);
  });

  it('python: refuses what pytest or python load around the tests, and modules imported in their place', () => {
    expect(py('conftest.py', '')).toMatch(/conftest\.py/);
    expect(py('deep/er/conftest.py', '')).toMatch(/conftest\.py/);
    expect(py('pytest.ini', '')).toMatch(/pytest configuration/);
    expect(py('pyproject.toml', '[tool.pytest.ini_options]\naddopts = "-k not acceptance"\n')).toMatch(/pytest settings/);
    expect(py('setup.cfg', '[tool:pytest]\naddopts = -x\n')).toMatch(/pytest settings/);
    expect(py('tox.ini', '[pytest]\naddopts = -x\n')).toMatch(/pytest settings/);
    expect(py('sitecustomize.py', '')).toMatch(/start-up/);
    expect(py('__init__.py', '')).toMatch(/__init__\.py/);
    expect(py('spec/__init__.py', '')).toMatch(/__init__\.py/);
    expect(py('lib/test_calc.py', '')).toMatch(/named like one of the user's test modules/);
    expect(py('test_calc/__init__.py', '')).toMatch(/named like one of the user's test modules/);
    expect(py('pytest.py', '')).toMatch(/test framework/);
    expect(py('math.py', '')).toMatch(/standard library/);
    expect(py('spec/json.py', '')).toMatch(/standard library/);
  });

  it('python: the code, its own tests and an ordinary pyproject.toml are written', () => {
    for (const path of ['calc.py', 'test_calc_extra.py', 'pkg/__init__.py', 'pkg/math.py', 'requirements.txt']) expect(py(path, 'x = 1\n'), path).toBeNull();
    expect(py('pyproject.toml', '[project]\nname = "calc"\n')).toBeNull();
  });

  it('node: refuses node_modules, node/npm configuration, a package.json that does more than declare packages, and a test under another extension', () => {
    const js = guard(['slug.test.ts']);
    expect(js('node_modules/slugify/index.js', '')).toMatch(/node_modules/);
    expect(js('.npmrc', '')).toMatch(/configuration/);
    expect(js('package.json', '{"name":"x","imports":{"#slug":"./fake.js"}}')).toMatch(/"imports"/);
    expect(js('slug.test.js', '')).toMatch(/another extension/);
    expect(js('slug.test.mjs', '')).toMatch(/another extension/);
    expect(js('package.json', '{"name":"x","type":"module","dependencies":{"lodash":"4"}}')).toBeNull();
    expect(js('slug.ts', '')).toBeNull();
    expect(js('slug.own.test.ts', '')).toBeNull();
  });

  it('context files are read-only unless --force; with no user tests only they are guarded', () => {
    const ctx = guard([], { context: ['lib/units.py'], userTests: false });
    expect(ctx('lib/units.py', '')).toMatch(/--context: read-only/);
    expect(ctx('conftest.py', '')).toBeNull();
    expect(guard([], { context: ['lib/units.py'], force: true, userTests: false })('lib/units.py', '')).toBeNull();
    expect(userPathGuard({ acceptance: [], context: [], userTests: false, force: false })).toBeUndefined();
  });
});
