import { spawnSync } from 'node:child_process';
import { basename, dirname } from 'node:path';
import type { RcFile } from './files.js';

/**
 * A key written into an rc file leaks the moment the file is committed. Warn on every run while the file is
 * tracked by git, or sits in a git work tree without being ignored.
 */
export function literalKeyWarnings(files: RcFile[]): string[] {
  const warnings: string[] = [];
  for (const file of files) {
    const providers = Object.entries(file.config.providers ?? {}).filter(([, p]) => p?.apiKey);
    if (providers.length === 0) continue;
    const state = gitState(file.path);
    if (state === 'outside' || state === 'ignored') continue;
    const ids = providers.map(([id]) => id).join(', ');
    warnings.push(
      `${basename(file.path)} holds a literal API key (${ids}) and is ${state === 'tracked' ? 'tracked by git' : 'not ignored by git'}: ` +
        `move it to an environment variable and name it with providers.<id>.apiKeyEnv (${file.path})`,
    );
  }
  return warnings;
}

function gitState(path: string): 'outside' | 'tracked' | 'ignored' | 'untracked' {
  const cwd = dirname(path);
  const git = (args: string[]) => spawnSync('git', args, { cwd, stdio: 'ignore', timeout: 5000 }).status;
  if (git(['rev-parse', '--is-inside-work-tree']) !== 0) return 'outside';
  if (git(['ls-files', '--error-unmatch', '--', path]) === 0) return 'tracked';
  if (git(['check-ignore', '-q', '--', path]) === 0) return 'ignored';
  return 'untracked';
}
