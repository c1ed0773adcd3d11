import type { Command } from 'commander';
import { type Runner, count, examples, port, positive, seconds, secondsOrZero } from './shared.js';

/** `ptc serve`: its arguments, options and help; the run function loads only when it runs. */
export function declareServe(program: Command, run: Runner): void {
  program
    .command('serve')
    .description('HTTP service: GET /health, POST /v1/generate, /v1/apply, /v1/run (the JSON contract)')
    .option('--host <host>', 'address to bind; anything but loopback needs PTC_SERVE_TOKEN (32+ characters)', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', port('--port'), 8001)
    .option('--root <dir>', 'outputs are confined here and relative paths start here (default: the working directory)')
    .option('--max-concurrency <n>', 'requests run at once; more get 429 with Retry-After', count('--max-concurrency'), 2)
    .option('--request-timeout <seconds>', 'bound on each request (504 with the result when hit)', seconds('--request-timeout'), 600)
    .option('--shutdown-timeout <seconds>', 'on SIGTERM, how long requests in flight may finish before they are cancelled', secondsOrZero('--shutdown-timeout'), 30)
    .option('--allow-base-url', 'accept "baseUrl" in request bodies (it decides where this server\'s API keys are sent)')
    .option('--allow-host <name...>', 'also accept requests addressed to these host names (besides loopback names and --host)')
    .option('--allow-origin <origin...>', 'let web pages from these origins call the server (CORS); others are refused')
    .option('--receive-timeout <seconds>', 'time a client gets to send the headers, and the body (408 past it)', positive('--receive-timeout'), 10)
    .option('--sandbox-concurrency <n>', 'warm Daytona sandboxes kept for the requests (default: --max-concurrency)', count('--sandbox-concurrency'))
    .option('--sandbox-idle <seconds>', 'delete a warm sandbox idle this long (default 120)', positive('--sandbox-idle'))
    .option('-q, --quiet', 'log less on stderr: no line per request')
    .option('-v, --verbose', 'log more on stderr: the prompts and repair requests sent, provider and sandbox details')
    .addHelpText(
      'after',
      examples(
        'ptc serve                                           # http://127.0.0.1:8001',
        'ptc serve --port 0 --root ./work --max-concurrency 4',
        'PTC_SERVE_TOKEN=$(openssl rand -hex 24) ptc serve --host 0.0.0.0',
        'curl -s localhost:8001/v1/apply -H \'content-type: application/json\' -d \'{"replyFile": "reply.md", "run": true}\'',
      ),
    )
    .action(run(async () => (await import('../../commands/serve.js')).serveCommand));
}
