import { describe, expect, it } from 'vitest';
import { detectJsDeps, jsPackageName } from '../../src/languages/node/deps.js';
import { detectPythonDeps, pythonImports, pythonModuleForPackage, requirementName } from '../../src/languages/python/deps.js';
import { pytestPluginsUsed } from '../../src/languages/python/pytest-plugins.js';

describe('detectPythonDeps', () => {
  it('finds third-party imports, maps mismatched names, skips stdlib, local modules and pytest', async () => {
    const files = [
      {
        path: 'solution.py',
        content: [
          'import os, sys',
          'import numpy as np',
          'from typing import List',
          'from collections.abc import Iterable',
          'import yaml',
          'from sklearn.linear_model import LinearRegression',
          'from PIL import Image',
          'import cv2, bs4',
          'from dateutil import parser',
          'from . import sibling',
          'from .helpers import x',
          'from utils.text import slug',
          '',
          'def f():',
          '    import requests  # used lazily',
          '    """',
          '    import not_real_docstring_module',
          '    """',
          '    return 1',
        ].join('\n'),
      },
      { path: 'utils/text.py', content: 'def slug(s): return s\n' },
      { path: 'test_solution.py', content: 'import pytest\nimport solution\nfrom hypothesis import given\n' },
    ];
    expect(await detectPythonDeps(files, [])).toEqual([
      'numpy',
      'PyYAML',
      'scikit-learn',
      'Pillow',
      'opencv-python',
      'beautifulsoup4',
      'python-dateutil',
      'requests',
      'hypothesis',
    ]);
  });

  it('knows newer standard-library modules and maps attr to attrs', async () => {
    // `_testcapi`-style private names are dropped; `tomllib` and `zoneinfo` are standard library.
    const files = [{ path: 'a.py', content: 'import tomllib\nimport zoneinfo\nimport graphlib\nimport attr\n' }];
    expect(await detectPythonDeps(files, [])).toEqual(['attrs']);
  });

  it('uses the declared requirements when there are any, minus pytest and bare stdlib names', async () => {
    const files = [{ path: 'a.py', content: 'import numpy\n' }];
    expect(
      await detectPythonDeps(files, ['requests>=2.31', 'pytest', 'PyYAML', 'json', '# comment', '', 'pytest==9.0']),
    ).toEqual(['requests>=2.31', 'PyYAML']);
  });

  it('returns nothing for standard-library-only code (HumanEval style)', async () => {
    const files = [
      { path: 'solution.py', content: 'from typing import List\nimport math\n\ndef f(x: List[int]):\n    return math.fsum(x)\n' },
      { path: 'test_solution.py', content: 'from solution import *\n\ndef test_check():\n    pass\n' },
    ];
    expect(await detectPythonDeps(files, [])).toEqual([]);
  });
});

describe('python names', () => {
  it('parses import lines, including comma lists and aliases', () => {
    expect(pythonImports('import a.b as c, d\nfrom e.f import (g,\n h)\n  from  i import j\n# import k\n')).toEqual([
      'a',
      'd',
      'e',
      'i',
    ]);
  });

  it('strips requirement specifiers and maps packages back to modules', () => {
    expect(requirementName('requests[socks]>=2.0; python_version > "3.8"')).toBe('requests');
    expect(requirementName('numpy==1.26')).toBe('numpy');
    expect(pythonModuleForPackage('PyYAML')).toBe('yaml');
    expect(pythonModuleForPackage('scikit-learn>=1')).toBe('sklearn');
    expect(pythonModuleForPackage('typing-extensions')).toBe('typing_extensions');
  });
});

describe('detectJsDeps', () => {
  it('lists bare imports and requires that are not node builtins, by package', () => {
    const files = [
      {
        path: 'src/app.ts',
        content: [
          "import fs from 'node:fs';",
          "import path from 'path';",
          "import { readFile } from 'fs/promises';",
          "import lodash from 'lodash/fp';",
          "import type { Foo } from 'type-only-pkg';",
          "import { z } from 'zod';",
          "export { x } from '@scope/pkg/sub';",
          "import './side-effect.js';",
          "import local from './local.js';",
          "const dyn = await import('dyn-pkg');",
          "const old = require('left-pad');",
          "// import commented from 'commented-out';",
        ].join('\n'),
      },
      { path: 'test/app.test.ts', content: "import { test } from 'node:test';\nimport assert from 'assert';\n" },
    ];
    expect(detectJsDeps(files, [])).toEqual(['lodash', 'zod', '@scope/pkg', 'dyn-pkg', 'left-pad']);
  });

  it('uses declared packages when given, minus TypeScript tooling the runner does not need', () => {
    expect(detectJsDeps([{ path: 'a.js', content: "import x from 'x';" }], ['y@1'])).toEqual(['y@1']);
    expect(detectJsDeps([], ['typescript@5', '@types/node', 'tsx', 'zod@^4', '@scope/lib@2'])).toEqual([
      'zod@^4',
      '@scope/lib@2',
    ]);
  });

  it('names packages from specifiers', () => {
    expect(jsPackageName('node:test')).toBeNull();
    expect(jsPackageName('child_process')).toBeNull();
    expect(jsPackageName('../x')).toBeNull();
    expect(jsPackageName('@a/b/c')).toBe('@a/b');
  });
});

describe('pytestPluginsUsed', () => {
  it('finds plugins from the fixtures tests take and the markers they set', () => {
    const test = [
      'import pytest',
      'pytestmark = pytest.mark.timeout(5)',
      '',
      'def test_calls(mocker, tmp_path):',
      '    mocker.patch("os.getcwd")',
      '',
      '@pytest.mark.asyncio',
      'async def test_async():',
      '    assert True',
      '',
      'def test_fast(',
      '    benchmark,',
      '):',
      '    benchmark(lambda: 1)',
    ].join('\n');
    expect(pytestPluginsUsed([{ path: 'test_x.py', content: test }]).sort()).toEqual(
      ['pytest-asyncio', 'pytest-benchmark', 'pytest-mock', 'pytest-timeout'].sort(),
    );
  });

  it('ignores built-in fixtures and markers, fixtures the project defines, and non-Python files', () => {
    const conftest = 'import pytest\n\n@pytest.fixture\ndef mocker(tmp_path):\n    return tmp_path\n';
    const test = [
      'import pytest',
      '@pytest.mark.parametrize("x", [1, 2])',
      '@pytest.mark.skip',
      'def test_a(x, mocker, capsys, monkeypatch, constructor, toString):',
      '    pass',
    ].join('\n');
    expect(
      pytestPluginsUsed([
        { path: 'conftest.py', content: conftest },
        { path: 'test_a.py', content: test },
        { path: 'notes.md', content: 'def test_b(mocker): pass' },
      ]),
    ).toEqual([]);
  });
});
