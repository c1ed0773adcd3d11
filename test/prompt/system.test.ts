import { describe, expect, it } from 'vitest';
import { buildMessages, formatFileBlock, systemPrompt } from '../../src/prompt/system.js';
import { parseReply } from '../../src/reply/parse.js';
import { LANGS } from '../../src/languages/registry.js';

describe('buildMessages', () => {
  it('is a cached system message and the user prompt, identical on every call', () => {
    const a = buildMessages({ lang: 'python', prompt: '  a prime checker \n' });
    expect(a).toEqual([
      { role: 'system', content: systemPrompt('python'), cache: true },
      { role: 'user', content: 'a prime checker' },
    ]);
    expect(buildMessages({ lang: 'python', prompt: 'a prime checker' })).toEqual(a);
  });

  it('asks for the fixed path format and the language-specific runner', () => {
    const py = systemPrompt('python');
    expect(py).toContain('```python path=prime.py');
    expect(py).toContain('pytest');
    expect(py).toContain('from prime import is_prime');
    expect(py).toContain('requirements.txt');
    const ts = systemPrompt('typescript');
    expect(ts).toContain("from 'node:test'");
    expect(ts).toContain('node:assert/strict');
    expect(ts).toContain('erasable');
    expect(ts).toContain("from './slugify.ts'");
    expect(ts).toContain('deps:');
    const js = systemPrompt('javascript');
    expect(js).toContain("from './slugify.js'");
    expect(js).not.toContain('pytest');
  });

  it('lets the rc file replace or extend the system prompt', () => {
    expect(buildMessages({ lang: 'python', prompt: 'x', system: 'Only code.' })[0]!.content).toBe('Only code.');
    const appended = buildMessages({ lang: 'python', prompt: 'x', systemAppend: 'Use type hints.' })[0]!.content;
    expect(appended.startsWith(systemPrompt('python'))).toBe(true);
    expect(appended.endsWith('\n\nUse type hints.')).toBe(true);
    expect(buildMessages({ lang: 'python', prompt: 'x', system: 'A', systemAppend: 'B' })[0]!.content).toBe('A\n\nB');
  });
});

describe('formatFileBlock', () => {
  it('uses the prompt format, and the parser reads it back exactly for every language', () => {
    for (const lang of LANGS) {
      const ext = lang === 'python' ? 'py' : lang === 'typescript' ? 'ts' : 'js';
      const content = 'x = 1\n';
      const block = formatFileBlock(`src/mod.${ext}`, content, lang);
      expect(block).toBe(`\`\`\`${lang} path=src/mod.${ext}\n${content}\`\`\``);
      expect(parseReply(block, { lang }).files).toEqual([{ path: `src/mod.${ext}`, content, kind: 'code' }]);
    }
  });

  it('fences content that holds fences with a longer fence', () => {
    const readme = '# Use\n\n```python\nprint(1)\n````\n';
    const block = formatFileBlock('README.md', readme, 'python');
    expect(block.startsWith('`````markdown path=README.md\n')).toBe(true);
    expect(parseReply(`Prose.\n\n${block}\n\nMore prose.`, { lang: 'python' }).files).toEqual([
      { path: 'README.md', content: readme, kind: 'other' },
    ]);
  });

  it('quotes a path with spaces and tags requirements as text', () => {
    expect(formatFileBlock('my file.py', 'x\n', 'python').split('\n')[0]).toBe('```python path="my file.py"');
    expect(formatFileBlock('requirements.txt', 'numpy\n', 'python').split('\n')[0]).toBe('```text path=requirements.txt');
  });
});
