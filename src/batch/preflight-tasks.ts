import { preflight, checkWritableFolder } from '../app/preflight.js';
import type { PipelineCommandOptions } from '../app/execute.js';
import { configFlagsOf } from '../config/options.js';
import { type ConfigSources, isolationOf, resolveConfig } from '../config/resolve.js';
import type { Task } from './tasks.js';

/**
 * The checks made before paying, once for a whole batch before any task starts: the output root can be written,
 * and each distinct set-up the tasks ask for (provider, sandbox, language, whether tests run) has its key and a
 * usable sandbox. Throws the first problem; nothing has been sent or recorded then.
 */
export async function preflightTasks(
  tasks: readonly Task[],
  o: { root: string; defaults: PipelineCommandOptions; cwd: string; env: NodeJS.ProcessEnv; sources: ConfigSources },
): Promise<void> {
  await checkWritableFolder(o.root);
  const seen = new Set<string>();
  for (const task of tasks) {
    const { id: _id, prompt: _prompt, out: _out, ...own } = task.spec;
    const options = { ...o.defaults, ...own };
    const cfg = await resolveConfig({ cwd: o.cwd, env: o.env, flags: configFlagsOf(options), sources: o.sources });
    const s = cfg.settings;
    const run = Boolean(s.run.value) && !options.dryRun;
    const kind = JSON.stringify([s.provider.value, s.sandbox.value, s.lang.value, run, isolationOf(cfg)]);
    if (seen.has(kind)) continue;
    seen.add(kind);
    await preflight({ cfg, callsModel: true, outDir: null, run, lang: s.lang.value });
  }
}
