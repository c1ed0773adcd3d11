import { spawn } from 'node:child_process';
import { resolveApiKey, resolveConfig, resolveDaytona } from '../config/resolve.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';
import { version } from '../version.js';

export interface Health {
  ok: boolean;
  version: string;
  /** For each provider: is a key configured (openai-compatible may need none). Never the key. */
  providers: Record<ProviderId, boolean>;
  sandbox: { local: boolean; daytona: boolean };
}

/** Whether bubblewrap can create its namespaces here; checked once at start, since it does not change. */
export function bubblewrapWorks(): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const child = spawn('bwrap', ['--ro-bind', '/', '/', '--unshare-net', '--dev', '/dev', '--proc', '/proc', 'true'], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', () => {
      clearTimeout(timer);
      resolvePromise(false);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise(code === 0);
    });
  });
}

/** Read per call, so a key added to the root's .env shows without a restart. */
export async function healthReport(root: string, env: NodeJS.ProcessEnv, localSandbox: boolean): Promise<Health> {
  const cfg = await resolveConfig({ cwd: root, env });
  const providers = Object.fromEntries(
    PROVIDER_IDS.map((id) => [id, Boolean(resolveApiKey(cfg, id).value)]),
  ) as Record<ProviderId, boolean>;
  return {
    ok: true,
    version: version(),
    providers,
    sandbox: { local: localSandbox, daytona: Boolean(resolveDaytona(cfg).apiKey.value) },
  };
}
