import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, makeSandbox, type Sandbox } from '../cli/harness.js';

/** A real `ptc serve` child on a free loopback port, in a throwaway home; its root is the sandbox's cwd. */
export interface ServeProcess {
  url: string;
  sb: Sandbox;
  tmp: string;
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; json: any }>;
  stop(): Promise<void>;
}

export async function startServe(args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}, setup?: (sb: Sandbox) => void): Promise<ServeProcess> {
  const sb = makeSandbox();
  const tmp = join(sb.dir, 'tmp');
  mkdirSync(tmp);
  setup?.(sb);
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    cwd: sb.cwd,
    env: { ...sb.env, TMPDIR: tmp, ...extraEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`ptc serve did not start: ${err}`)), 15_000);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        child.stderr.off('data', onData);
        resolveUrl(m[1]!);
      }
    };
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`ptc serve exited: ${err}`));
    });
  });
  return {
    url,
    sb,
    tmp,
    child,
    stderr: () => err,
    exited,
    async post(path, body, headers = {}) {
      const res = await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      sb.cleanup();
    },
  };
}
