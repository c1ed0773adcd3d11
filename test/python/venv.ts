import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../cli/harness.js';

const HERE = join(ROOT, 'test/python');

/**
 * The python of a virtualenv with the pinned MCP clients (requirements-mcp.txt). `PTC_TEST_MCP_VENV` names one
 * made beforehand; else it lives in .cache/mcp-venv and is made on first use (about a minute) and whenever the
 * pins change.
 */
export function mcpClientPython(): string {
  const dir = process.env.PTC_TEST_MCP_VENV || join(ROOT, '.cache/mcp-venv');
  const python = join(dir, 'bin/python');
  const stamp = join(dir, 'ptc-requirements.txt');
  const wanted = readFileSync(join(HERE, 'requirements-mcp.txt'), 'utf8');
  if (!existsSync(python) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    const made = spawnSync(join(HERE, 'setup-venv.sh'), [dir], { encoding: 'utf8', timeout: 300_000 });
    if (made.status !== 0) throw new Error(`could not make the MCP client venv in ${dir}:\n${made.stderr}`);
  }
  return python;
}
