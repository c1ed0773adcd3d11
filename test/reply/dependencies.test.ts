import { describe, expect, it } from 'vitest';
import {
  DependencyList,
  isPackageSpec,
  packageName,
  packagesFromCommand,
  packagesFromDepsLine,
  packagesFromRequirements,
} from '../../src/reply/dependencies.js';

describe('dependencies', () => {
  it.each([
    ['pip install requests', ['requests']],
    ['$ pip3 install -U "numpy>=1.26" pandas', ['numpy>=1.26', 'pandas']],
    ['python -m pip install -r requirements.txt rich', ['rich']],
    ['sudo pip install flask && pytest -q', ['flask']],
    ['uv add httpx', ['httpx']],
    ['npm i -D @types/node zod@4', ['@types/node', 'zod@4']],
    ['yarn add left-pad', ['left-pad']],
    ['npm install', []],
    ['pip install .', []],
    ['pytest -q', []],
    ['echo pip install x', []],
  ])('%s', (line, expected) => {
    expect(packagesFromCommand(line)).toEqual(expected);
  });

  it('reads requirements files, skipping comments, options and markers', () => {
    const text = '# deps\nnumpy >= 1.26, < 3  # arrays\n-r base.txt\n--index-url https://x\nrequests[socks]==2.32.0\npywin32; sys_platform == "win32"\n\n';
    expect(packagesFromRequirements(text)).toEqual(['numpy>=1.26,<3', 'requests[socks]==2.32.0', 'pywin32']);
  });

  it('reads deps lines only when every word is a package', () => {
    expect(packagesFromDepsLine('deps: zod@4, chalk')).toEqual(['zod@4', 'chalk']);
    expect(packagesFromDepsLine('**Dependencies:** `requests`')).toEqual(['requests']);
    expect(packagesFromDepsLine('deps: none')).toEqual([]);
    expect(packagesFromDepsLine('Dependencies: there are no third-party packages needed.')).toBeNull();
    expect(packagesFromDepsLine('Design notes: simple')).toBeNull();
  });

  it('names packages and deduplicates by name, first spelling kept', () => {
    expect(packageName('Requests[socks]>=2')).toBe('requests');
    expect(packageName('@types/node@20')).toBe('@types/node');
    expect(packageName('typing_extensions')).toBe('typing-extensions');
    const list = new DependencyList();
    list.add(['numpy>=1.26', 'NumPy', 'typing_extensions', 'typing-extensions==4']);
    expect(list.list()).toEqual(['numpy>=1.26', 'typing_extensions']);
  });

  it('rejects flags, URLs and sentences, in linear time on long junk', () => {
    for (const bad of ['-U', 'https://x.y/z', 'two words', './local', '']) expect(isPackageSpec(bad)).toBe(false);
    const t0 = performance.now();
    expect(isPackageSpec(`a${'=1'.repeat(99)}!`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(50);
  });
});
