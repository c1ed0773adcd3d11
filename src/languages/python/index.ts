/** Python: pytest tests, requirements.txt / pyproject.toml dependencies, PyPI packages. */
import type { Language } from '../types.js';
import { pythonProjectDependencies } from './project-deps.js';
import { PYTHON_PROMPT } from './prompt.js';
import { pythonShadows } from './shadows.js';
import { pythonSignals } from './signals.js';

const IGNORED_DIRS = new Set(['__pycache__', '.pytest_cache', '.venv', 'venv', '.mypy_cache']);

export const python = {
  id: 'python',
  label: 'Python',
  family: 'python',
  fenceTags: ['python', 'py', 'python3', 'py3', 'pytest'],
  extensions: ['py', 'pyi'],
  projectExtensions: ['py'],
  prompt: PYTHON_PROMPT,
  // The names pytest collects by default, plus the conftest.py it loads.
  isTestFileName: (base) => base.startsWith('test_') || base.endsWith('_test.py') || base === 'conftest.py',
  testFileName: (stem) => `test_${stem}.py`,
  testFileHint: 'test_*.py or *_test.py',
  signals: pythonSignals,
  counting: {
    cases: /^\s*(?:async\s+)?def\s+test\w*\s*\(/gm,
    // plain `assert`, unittest's `self.assertX(`, `pytest.raises(`
    assertions: /^\s*assert\b|\bself\.assert\w*\s*\(|\bpytest\.(?:raises|warns|approx)\s*\(/gm,
  },
  installedPackagesDir: null,
  daytonaSnapshot: true, // `ptc sandbox snapshot create` builds it with pytest
  isIgnoredDir: (name) => IGNORED_DIRS.has(name) || name.endsWith('.egg-info'),
  projectDependencies: pythonProjectDependencies,
  hostRunnerCheck: {
    // Found, not imported: importing pytest takes a second on a busy machine, and this runs before every paid call.
    command: ['python3', '-c', 'import importlib.util, sys; sys.exit(importlib.util.find_spec("pytest") is None)'],
    what: 'python3 with pytest',
    hint: 'install pytest for python3 (`pip install pytest` or `apt-get install python3-pytest`), or set local.python to a python that has it',
    // The python the local sandbox would choose, as it chooses it.
    found: async (configured) => Boolean((await (await import('../../sandbox/env.js')).hostPython(configured))?.pytest),
  },
  shadowsUserTests: pythonShadows,
  loadRunner: async () => (await import('./runner.js')).pythonRunner,
} as const satisfies Language;
