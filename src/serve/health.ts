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
export async function bubblewrapWorks(): Promise<boolean> {
  const { usableBwrap } = await import('../sandbox/isolation.js');
  return (await usableBwrap()) !== null;
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
