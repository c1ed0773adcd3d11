import type { ResolvedConfig } from '../config/resolve.js';
import { UsageError } from '../errors.js';

/**
 * The repair rounds a generate run gets. Repair feeds failing tests back to the model, so it needs the tests
 * to run. A flag beats an rc file: `--no-run` (or MCP/batch `run: false`) turns off the `fix` an rc file
 * asks for, with a note, because an rc file written once (`ptc config init` writes `fix: 1`) must not break
 * every later `--no-run`. Only `--fix` given next to no run at all is a contradiction worth stopping for.
 */
export function effectiveFix(cfg: ResolvedConfig, runs: boolean): { fix: number; note: string | null } {
  const fix = cfg.settings.fix;
  if (fix.value === 0 || runs) return { fix: fix.value, note: null };
  if (fix.source.startsWith('flag')) {
    throw new UsageError('--fix needs --run: repair rounds feed failing tests back to the model', { hint: 'add --run' });
  }
  return { fix: 0, note: `repair is off: tests do not run, so fix: ${fix.value} (${fix.source}) does not apply` };
}
