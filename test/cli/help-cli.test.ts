import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeSandbox, runPtc, type Sandbox } from './harness.js';

let sb: Sandbox;
beforeAll(() => {
  sb = makeSandbox();
});
afterAll(() => sb.cleanup());

const help = (args: string[]) => runPtc([...args, '--help'], { cwd: sb.cwd, env: sb.env });

/** The subcommands a help page lists under "Commands:", without commander's own `help`. */
function subcommands(page: string): string[] {
  const section = /\nCommands:\n([\s\S]*?)(?:\n\n|$)/.exec(page)?.[1] ?? '';
  return section
    .split('\n')
    .map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help');
}

/** The option flags a help page offers. */
const flags = (page: string) => [...page.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);

it('every command, down to the subcommands, has an Examples section in its --help', async () => {
  const seen: string[] = [];
  const missing: string[] = [];
  const walk = async (path: string[]) => {
    const r = await help(path);
    expect(r.code, `ptc ${path.join(' ')} --help`).toBe(0);
    seen.push(path.join(' '));
    if (path.length > 0 && !/\nExamples:\n {2}\S/.test(r.stdout)) missing.push(path.join(' '));
    for (const sub of subcommands(r.stdout)) await walk([...path, sub]);
  };
  await walk([]);
  // The walk reached every command the contract names, so a command left out of it cannot pass unseen.
  for (const name of ['generate', 'apply', 'run', 'models', 'batch', 'usage', 'config show', 'config path', 'config init', 'doctor', 'sandbox prune', 'sandbox snapshot create', 'mcp', 'serve']) {
    expect(seen).toContain(name);
  }
  expect(missing).toEqual([]);
});

it('-v says what it adds on each command: no "prompt sent" where no prompt is sent', async () => {
  for (const cmd of [['apply'], ['run'], ['models'], ['usage'], ['config', 'show'], ['config', 'path'], ['doctor'], ['sandbox', 'prune'], ['sandbox', 'snapshot', 'create']]) {
    const r = await help(cmd);
    expect(r.stdout, cmd.join(' ')).toMatch(/-v, --verbose/);
    expect(r.stdout, cmd.join(' ')).not.toMatch(/prompt sent/);
  }
  expect((await help(['generate'])).stdout).toMatch(/-v, --verbose\s+print more on stderr: the prompt\s+and\s+repair\s+requests\s+sent/);
  expect((await help(['doctor'])).stdout).toMatch(/-v, --verbose\s+print the stack of an\s+internal\s+error/);
});

it('offers only the options that do something: -q only where there is something on stderr to leave out', async () => {
  for (const cmd of [['usage'], ['config', 'show'], ['config', 'path'], ['doctor']]) {
    expect(flags((await help(cmd)).stdout), cmd.join(' ')).not.toContain('--quiet');
  }
  expect(flags((await help(['models'])).stdout)).toContain('--quiet');
  expect(flags((await help(['doctor'])).stdout)).toEqual(expect.arrayContaining(['--provider', '--model', '--base-url', '--offline', '--json']));
  // Still accepted, so a script that passes -q to every command does not break.
  const r = await runPtc(['config', 'path', '-q'], { cwd: sb.cwd, env: sb.env });
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
});
