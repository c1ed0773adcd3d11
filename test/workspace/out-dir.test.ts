import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultOutDir, slugFromPrompt } from '../../src/workspace/out-dir.js';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'ptc-outdir-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('default output folder', () => {
  it.each([
    ['a function that checks if a number is prime', 'number-prime'],
    ['Write a TypeScript slugify function for blog titles', 'slugify-blog-titles'],
    ['Créer une fonction: déjà vu!', 'creer-une-fonction-deja'],
    ['parse ISO-8601 durations like PT1H30M into seconds and back again', 'parse-iso-8601-durations'],
    ['!!!', 'ptc-out'],
    ['the a an', 'the-a-an'],
    ['supercalifragilisticexpialidocious-and-antidisestablishmentarianism', 'supercalifragilisticexpialidocious'],
  ])('%j → %j', (prompt, slug) => {
    expect(slugFromPrompt(prompt)).toBe(slug);
    expect(slug.length).toBeLessThanOrEqual(40);
    expect(/^[a-z0-9-]+$/.test(slug)).toBe(true);
  });

  it('is a new folder under cwd, with -2, -3 when taken', async () => {
    const prompt = 'a function that checks if a number is prime';
    expect(defaultOutDir(prompt, cwd)).toBe(join(cwd, 'number-prime'));
    await mkdir(join(cwd, 'number-prime'));
    expect(defaultOutDir(prompt, cwd)).toBe(join(cwd, 'number-prime-2'));
    await mkdir(join(cwd, 'number-prime-2'));
    expect(defaultOutDir(prompt, cwd)).toBe(join(cwd, 'number-prime-3'));
  });
});
