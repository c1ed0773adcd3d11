#!/usr/bin/env node
// The `ptc` executable. `--version` is answered here without loading the CLI, since scripts call it often.
import { readFileSync } from 'node:fs';
import module from 'node:module';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // Node >= 22.1 keeps compiled code between runs (in the OS temp dir), about 10 ms off every command; Node 20
  // has no such API and runs as before. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  module.enableCompileCache?.();
  const { main, exitProcess } = await import('../dist/cli/main.js');
  const code = await main(args);
  await exitProcess(code);
}
