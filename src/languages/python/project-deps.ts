/** The packages a Python project declares: requirements*.txt (or .in) and pyproject.toml at its top level. */
import { packagesFromRequirements } from '../../reply/dependencies.js';
import { valueAt } from '../../util/value-at.js';

/** Optional-dependency and dependency groups that hold what the tests need. */
const TEST_GROUPS = ['test', 'tests', 'testing', 'dev'];

/**
 * PEP 621 `[project] dependencies` and the test/dev extras, PEP 735 test/dev `[dependency-groups]`, and Poetry's
 * dependencies and test/dev groups. A file that does not parse declares nothing here (pytest, which reads it too,
 * will say what is wrong).
 */
async function pyprojectDependencies(content: string): Promise<string[]> {
  const { parse } = await import('smol-toml');
  let doc: Record<string, unknown>;
  try {
    doc = parse(content) as Record<string, unknown>;
  } catch {
    return [];
  }
  const specs: string[] = [];
  const addList = (list: unknown) => {
    if (Array.isArray(list)) for (const item of list) if (typeof item === 'string') specs.push(item);
  };
  // Poetry lists names with its own version syntax (`^2.0`): the name is what can be installed or checked.
  const addNames = (table: unknown) => {
    if (table && typeof table === 'object') specs.push(...Object.keys(table).filter((name) => name.toLowerCase() !== 'python'));
  };
  addList(valueAt(doc, ['project', 'dependencies']));
  addNames(valueAt(doc, ['tool', 'poetry', 'dependencies']));
  addNames(valueAt(doc, ['tool', 'poetry', 'dev-dependencies']));
  for (const group of TEST_GROUPS) {
    addList(valueAt(doc, ['project', 'optional-dependencies', group]));
    addList(valueAt(doc, ['dependency-groups', group]));
    addNames(valueAt(doc, ['tool', 'poetry', 'group', group, 'dependencies']));
  }
  return packagesFromRequirements(specs.join('\n'));
}

export async function pythonProjectDependencies(files: { path: string; content: string }[]): Promise<string[]> {
  const found: string[] = [];
  for (const f of files) {
    if (!f.path.includes('/') && /^requirements[\w.-]*\.(txt|in)$/.test(f.path)) found.push(...packagesFromRequirements(f.content));
  }
  const pyproject = files.find((f) => f.path === 'pyproject.toml');
  if (pyproject) found.push(...(await pyprojectDependencies(pyproject.content)));
  return found;
}
