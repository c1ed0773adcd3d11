import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, makeSandbox, type Sandbox } from '../cli/harness.js';

/** A real `ptc mcp` child on a stdio pipe, driven by the SDK's own client, in a throwaway home and root. */
export interface McpSession {
  client: Client;
  transport: StdioClientTransport;
  sb: Sandbox;
  /** TMPDIR of the server: local sandboxes make their copies here. */
  tmp: string;
  stderr(): string;
  close(): Promise<void>;
}

export async function startMcp(extraEnv: Record<string, string> = {}, args: string[] = []): Promise<McpSession> {
  const sb = makeSandbox();
  const tmp = join(sb.dir, 'tmp');
  mkdirSync(tmp);
  const env = Object.fromEntries(Object.entries({ ...sb.env, TMPDIR: tmp, ...extraEnv }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...args], cwd: sb.cwd, env, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const client = new Client({ name: 'ptc-test', version: '0.0.0' });
  await client.connect(transport);
  return {
    client,
    transport,
    sb,
    tmp,
    stderr: () => err,
    async close() {
      await client.close().catch(() => {});
      sb.cleanup();
    },
  };
}

/** Local sandbox copies (ptc-run-*) still on disk. */
export function leftoverSandboxes(tmp: string): string[] {
  return readdirSync(tmp).filter((n) => n.startsWith('ptc-run-'));
}

/** Processes whose command line contains `needle` (to see that a cancelled run's test process is gone). */
export function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return pids;
}

export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

export const PRIME_REPLY = `Here is the module and its tests.

\`\`\`python
# prime.py
def is_prime(n):
    if n < 2:
        return False
    for i in range(2, int(n ** 0.5) + 1):
        if n % i == 0:
            return False
    return True
\`\`\`

\`\`\`python
# test_prime.py
from prime import is_prime

def test_small_primes():
    assert is_prime(2) and is_prime(3) and is_prime(13)

def test_composites():
    assert not is_prime(1) and not is_prime(9)
\`\`\`
`;

export type { Sandbox };
