import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colour only where a person is reading: a TTY, not CI. NO_COLOR (any non-empty value) turns it off;
 * FORCE_COLOR turns it on (0 off, 1-3 levels) even when piped.
 */
export function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    if (n === 2 || n === 3) return n;
    return 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!stream.isTTY || isCI(env) || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' ? 3 : 2;
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export function makeChalk(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): ChalkInstance {
  return new Chalk({ level: colorLevel(stream, env) });
}
