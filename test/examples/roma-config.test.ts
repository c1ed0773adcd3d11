import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BIN, makeSandbox, ROOT } from '../cli/harness.js';

const YAML = join(ROOT, 'examples/roma/mcp-toolkit.yaml');

interface ToolkitEntry {
  class_name: string;
  include_tools?: string[];
  toolkit_config: { server_type: string; command: string; args: string[]; env?: Record<string, string> };
}

/** Parsed with python3's yaml when it is there (it is in CI images with ROMA); else a line check of the keys. */
function loadToolkit(): { entry: ToolkitEntry; parser: string } {
  const py = spawnSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', YAML], { encoding: 'utf8' });
  if (py.status === 0) {
    const doc = JSON.parse(py.stdout);
    return { entry: doc.agents.executor.toolkits.find((t: ToolkitEntry) => t.class_name === 'MCPToolkit'), parser: 'python3 yaml' };
  }
  const text = readFileSync(YAML, 'utf8');
  for (const key of ['class_name: MCPToolkit', 'server_type: stdio', 'command: ptc', '- mcp']) expect(text).toContain(key);
  return {
    entry: { class_name: 'MCPToolkit', include_tools: ['generate', 'apply', 'run_tests', 'list_models'], toolkit_config: { server_type: 'stdio', command: 'ptc', args: ['mcp', '--root', '${oc.env:PTC_ROOT,./ptc-work}'] } },
    parser: 'line check',
  };
}

it('the ROMA profile loads ptc mcp as a stdio MCP toolkit, and that command serves the tools it lists', async () => {
  const { entry } = loadToolkit();
  expect(entry.class_name).toBe('MCPToolkit');
  expect(entry.toolkit_config.server_type).toBe('stdio');
  expect(entry.toolkit_config.command).toBe('ptc');
  expect(entry.toolkit_config.args[0]).toBe('mcp');
  for (const value of Object.values(entry.toolkit_config.env ?? {})) expect(value).toMatch(/^\$\{oc\.env:[A-Z_]+,?[\w./-]*\}$/);

  // Start what the profile starts ("ptc" being node + bin/ptc.js here), resolving ${oc.env:NAME,default} to the default.
  const sb = makeSandbox();
  try {
    const args = entry.toolkit_config.args.map((a) => a.replace(/^\$\{oc\.env:\w+,(.*)\}$/, '$1'));
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, ...args], cwd: sb.cwd, env: sb.env as Record<string, string>, stderr: 'pipe' });
    const client = new Client({ name: 'roma-stand-in', version: '0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...(entry.include_tools ?? [])].sort());
    await client.close();
    expect(existsSync(join(sb.cwd, 'ptc-work'))).toBe(true);
  } finally {
    sb.cleanup();
  }
});
