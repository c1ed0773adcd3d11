
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

/** The styles ptc uses. Plain (identity) functions when colour is off, chalk when it is on. */
export interface Colors {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const same = (text: string) => text;
export const plainColors: Colors = { red: same, green: same, yellow: same, dim: same, bold: same };

let chalkModule: typeof import('chalk') | null = null;

/** Loads chalk only when some stream will be coloured: scripts and CI never pay for it. */
export async function loadColorSupport(streams: { isTTY?: boolean }[], env: NodeJS.ProcessEnv): Promise<void> {
  if (!chalkModule && streams.some((s) => colorLevel(s, env) > 0)) chalkModule = await import('chalk');
}

export function makeColors(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Colors {
  const level = colorLevel(stream, env);
  return level === 0 || !chalkModule ? plainColors : new chalkModule.Chalk({ level });
}
