import { describe, expect, it } from 'vitest';
import { projectDependencies } from '../../src/core/collect.js';

describe('projectDependencies (what `ptc run` installs for a project)', () => {
  it('reads top-level requirements files for Python, not nested ones or package.json', async () => {
    const files = [
      { path: 'requirements.txt', content: 'requests>=2  # http\n-r other.txt\n\nnumpy\n' },
      { path: 'requirements-dev.txt', content: 'pytest-asyncio\nrequests\n' },
      { path: 'vendor/requirements.txt', content: 'flask\n' },
      { path: 'package.json', content: '{"dependencies":{"left-pad":"1"}}' },
    ];
    expect(await projectDependencies(files, 'python')).toEqual(['requests>=2', 'numpy', 'pytest-asyncio']);
  });

  it("reads package.json's dependencies and devDependencies for JavaScript and TypeScript", async () => {
    const files = [
      { path: 'package.json', content: '{"dependencies":{"zod":"^4"},"devDependencies":{"@types/node":"20"}}' },
      { path: 'requirements.txt', content: 'requests\n' },
    ];
    expect(await projectDependencies(files, 'typescript')).toEqual(['zod', '@types/node']);
    expect(await projectDependencies([{ path: 'package.json', content: '{ broken' }], 'javascript')).toEqual([]);
  });

  it('reads pyproject.toml: PEP 621 dependencies and test extras, PEP 735 groups, Poetry', async () => {
    const pep621 = [
      '[project]',
      'name = "calc"',
      'dependencies = ["requests >= 2; python_version < \'3.13\'", "httpx[http2]>=0.27"]',
      '[project.optional-dependencies]',
      'test = ["pytest-asyncio"]',
      'docs = ["sphinx"]',
      '[dependency-groups]',
      'dev = ["pytest-mock", {include-group = "test"}]',
    ].join('\n');
    expect(await projectDependencies([{ path: 'pyproject.toml', content: pep621 }], 'python')).toEqual([
      'requests>=2',
      'httpx[http2]>=0.27',
      'pytest-asyncio',
      'pytest-mock',
    ]);
    const poetry = [
      '[tool.poetry.dependencies]',
      'python = "^3.11"',
      'numpy = "^2.0"',
      '[tool.poetry.group.test.dependencies]',
      'pytest-timeout = "*"',
    ].join('\n');
    expect(await projectDependencies([{ path: 'pyproject.toml', content: poetry }], 'python')).toEqual(['numpy', 'pytest-timeout']);
    // requirements.txt first; pyproject adds what it does not name; a broken pyproject adds nothing.
    expect(
      await projectDependencies(
        [
          { path: 'requirements.txt', content: 'numpy==2.1\n' },
          { path: 'pyproject.toml', content: '[project]\ndependencies = ["numpy", "scipy"]\n' },
        ],
        'python',
      ),
    ).toEqual(['numpy==2.1', 'scipy']);
    expect(await projectDependencies([{ path: 'pyproject.toml', content: '[project\nbroken' }], 'python')).toEqual([]);
  });
});
