import { describe, expect, it } from 'vitest';
import { projectDependencies } from '../../src/core/collect.js';

describe('projectDependencies (what `ptc run` installs for a project)', () => {
  it('reads top-level requirements files for Python, not nested ones or package.json', () => {
    const files = [
      { path: 'requirements.txt', content: 'requests>=2  # http\n-r other.txt\n\nnumpy\n' },
      { path: 'requirements-dev.txt', content: 'pytest-asyncio\nrequests\n' },
      { path: 'vendor/requirements.txt', content: 'flask\n' },
      { path: 'package.json', content: '{"dependencies":{"left-pad":"1"}}' },
    ];
    expect(projectDependencies(files, 'python')).toEqual(['requests>=2', 'numpy', 'pytest-asyncio']);
  });

  it("reads package.json's dependencies and devDependencies for JavaScript and TypeScript", () => {
    const files = [
      { path: 'package.json', content: '{"dependencies":{"zod":"^4"},"devDependencies":{"@types/node":"20"}}' },
      { path: 'requirements.txt', content: 'requests\n' },
    ];
    expect(projectDependencies(files, 'typescript')).toEqual(['zod', '@types/node']);
    expect(projectDependencies([{ path: 'package.json', content: '{ broken' }], 'javascript')).toEqual([]);
  });
});
