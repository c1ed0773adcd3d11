import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$XDG_DATA_HOME/ptc`, else `~/.local/share/ptc`: where ptc keeps data that is not configuration. */
export function dataDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && xdg.trim() !== '' ? xdg : join(env.HOME ?? homedir(), '.local', 'share'), 'ptc');
}

export function historyPath(env: NodeJS.ProcessEnv): string {
  return join(dataDir(env), 'history.sqlite');
}

/** `$XDG_CACHE_HOME/ptc`, else `~/.cache/ptc`: what ptc can fetch again (the updated model catalog). */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.trim() !== '' ? xdg : join(env.HOME ?? homedir(), '.cache'), 'ptc');
}
