import type { Logger } from '../../src/types.js';

/** A logger that keeps what it was told, so tests can assert announcements. */
export function recordingLogger(): Logger & { warnings: string[]; lines: string[] } {
  const warnings: string[] = [];
  const lines: string[] = [];
  return {
    warnings,
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => {
      warnings.push(m);
      lines.push(`warn: ${m}`);
    },
    debug: (m) => lines.push(`debug: ${m}`),
    progress: (m) => lines.push(`progress: ${m}`),
  };
}

/** Runs `fn` and returns what it threw (failing the test when it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export const KEY = 'sk-test-canary-7f3a9c1e';
