/**
 * What a reply may not write in a Python project once the user's own tests take part: files pytest or python
 * load around every test (they could deselect, skip or rewrite the user's tests), and modules that would be
 * imported in place of a user's test module or of the standard library it uses.
 */
import { PYTHON_STDLIB_MODULES } from './stdlib.js';

/** pytest and what it runs on: a module of the reply named like one of them would be imported instead. */
const TEST_MACHINERY = new Set(['pytest', '_pytest', 'py', 'pluggy', 'unittest']);

const STARTUP = new Set(['sitecustomize.py', 'usercustomize.py']);

export function pythonShadows(path: string, content: string, acceptance: readonly string[]): string | null {
  const segments = path.split('/');
  const base = segments.at(-1)!.toLowerCase();
  const dir = segments.slice(0, -1).join('/');
  if (base === 'conftest.py') return "a conftest.py: pytest would load it into the run of the user's tests (its fixtures and hooks could change them)";
  if (base === 'pytest.ini' || base === '.pytest.ini') return "pytest configuration: it could deselect or change the user's tests";
  if (base === 'pyproject.toml' && /^\s*\[tool\.pytest/m.test(content)) return "a pyproject.toml with pytest settings: they could deselect or change the user's tests";
  if (base === 'setup.cfg' && /^\s*\[tool:pytest\]/m.test(content)) return "a setup.cfg with pytest settings: they could deselect or change the user's tests";
  if (base === 'tox.ini' && /^\s*\[pytest\]/m.test(content)) return "a tox.ini with pytest settings: they could deselect or change the user's tests";
  if (STARTUP.has(base) || base.endsWith('.pth')) return 'python loads it at start-up, before any test';
  if (base === '__init__.py' && (dir === '' || acceptance.some((t) => isAncestorOrSelf(dir, dirOf(t))))) {
    return "an __init__.py in a folder of the user's tests: it changes the name pytest imports them by";
  }
  const modules = moduleNames(segments);
  const testModules = new Set(acceptance.map((t) => stemOf(t.split('/').at(-1)!)));
  if (modules.some((m) => testModules.has(m))) return "named like one of the user's test modules: it would be imported in its place";
  // pytest puts each test's folder first on sys.path, beside the root the code is imported from.
  const roots = new Set(['', ...acceptance.map(dirOf)]);
  const top = topLevelModule(segments, roots);
  if (top && (TEST_MACHINERY.has(top) || PYTHON_STDLIB_MODULES.has(top))) {
    return `a module named ${top}: it would be imported instead of the ${TEST_MACHINERY.has(top) ? 'test framework' : 'standard library module'} the tests use`;
  }
  return null;
}

/** The module names a path defines along the way: each folder (a package) and the file's own stem. */
function moduleNames(segments: string[]): string[] {
  const names = segments.slice(0, -1).map((s) => s.toLowerCase());
  const base = segments.at(-1)!.toLowerCase();
  if (/\.pyi?$/.test(base) && base !== '__init__.py' && base !== '__init__.pyi') names.push(stemOf(base));
  return names;
}

/** The top-level module a path is importable as from one of `roots` (`x.py`, `x/__init__.py`), when it is one. */
function topLevelModule(segments: string[], roots: Set<string>): string | null {
  const base = segments.at(-1)!.toLowerCase();
  if (/\.pyi?$/.test(base) && !/^__init__\.pyi?$/.test(base) && roots.has(segments.slice(0, -1).join('/'))) return stemOf(base);
  if (/^__init__\.pyi?$/.test(base) && segments.length >= 2 && roots.has(segments.slice(0, -2).join('/'))) return segments.at(-2)!.toLowerCase();
  return null;
}

function stemOf(base: string): string {
  return base.toLowerCase().replace(/\.pyi?$/, '');
}

function dirOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
}

function isAncestorOrSelf(dir: string, of: string): boolean {
  return dir === of || of.startsWith(`${dir}/`);
}
