/**
 * A loopback Daytona: the control plane (`/api/sandbox…`) and each sandbox's toolbox (`/toolbox/{id}/…`),
 * enough for the real @daytonaio/sdk to create, upload, execute, download, list and delete offline.
 *
 * Each fake sandbox is a temp dir on this machine. `process/execute` behaves like Daytona's daemon: the command
 * is split at spaces (plain quotes, no escapes) and exec'd WITHOUT a shell, stdout and stderr go into one
 * `result`, the process group is killed at the time limit and the answer is 408. The Socket.IO upgrade is
 * refused, so the SDK falls back to polling.
 *
 * Sessions (`process/session…`) behave like the daemon's too: a session runs its commands one after another
 * through a shell (`sh -c`, the daemon writes them to a long-lived shell's stdin); `exec` with `runAsync`
 * answers 202 `{cmdId}` at once; `command/{id}` carries `exitCode` only once the command has ended; `logs` is
 * JSON `{output, stdout, stderr}` (so far); deleting a session kills the process groups of its commands and
 * forgets it (its commands and logs then answer 404). `sessions: false` makes every session route answer 404,
 * as a toolbox from before sessions does.
 *
 * The image, as Daytona's default one: python3 but no pytest until `python3 -m pip install … pytest` runs in the
 * sandbox (see fake-image.ts). Snapshots (`/snapshots…`) are built from the SDK's Image dockerfile; a sandbox
 * created from one whose dockerfile pip-installs pytest has it from the start. Errors look like the API's:
 * `{statusCode, error, message, path, timestamp}`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { installFakeImage, readPipLog, type PipInstall } from './fake-image.js';
import { RequestLog } from './request-log.js';

export interface RecordedRequest {
  method: string;
  /**
   * Route key such as `POST /sandbox`, `POST /process/execute` or `GET /process/session/:id/command/:id/logs`
   * (ids replaced by `:id`).
   */
  route: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** When it arrived (Date.now()), to measure waits between requests. */
  at: number;
}

export interface FakeSandbox {
  id: string;
  state: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  autoStopInterval: number | null;
  autoDeleteInterval: number | null;
  createdAt: string;
  /** Host directory standing for the sandbox's filesystem. */
  dir: string;
  /** The sandbox's work dir (inside `dir`). */
  home: string;
  /** GETs left before a `creating` sandbox turns `started` (null: never). */
  pollsUntilStarted: number | null;
  running: Set<ChildProcess>;
  sessions: Map<string, FakeSession>;
  /** PATH entry holding the image's python3 (see fake-image.ts). */
  imageBin: string;
  /** Seeded in a transitional state: DELETE cannot finish it (409, or stays `destroying`), as on Daytona. */
  stuck: boolean;
  /** The snapshot it was created from, if any. */
  snapshot: string | null;
}

export interface FakeSnapshot {
  id: string;
  name: string;
  state: string;
  dockerfile: string;
  /** Packages its dockerfile pip-installs. */
  packages: string[];
  /** GETs left before it turns active (it goes pending → building → active). */
  pollsLeft: number;
  errorReason: string | null;
  createdAt: string;
}

export interface FakeSessionCommand {
  id: string;
  command: string;
  /** Set once the command has ended (and never for one that was killed with its session). */
  exitCode?: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  /** The process while it runs; its pid is the process group's id. */
  child?: ChildProcess;
}

export interface FakeSession {
  id: string;
  commands: Map<string, FakeSessionCommand>;
  /** The end of the session's queue: commands run one after another, as in the daemon's shell. */
  tail: Promise<void>;
  deleted: boolean;
}

interface Failure {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  times: number;
  /** Whether any request met it (a stub for "keeps failing" need not be exhausted, only used). */
  hit: boolean;
}

export interface DaytonaFakeOptions {
  apiKey?: string;
  /** Page size of `GET /sandbox` when the client gives none. */
  pageSize?: number;
  /** false: the toolbox has no session API (every `process/session…` route answers 404). Default true. */
  sessions?: boolean;
  /** GETs of a new snapshot before it is active. Default 2. */
  snapshotPolls?: number;
  /**
   * How long a new sandbox takes to create and start, as the real service's do (milliseconds): the create
   * request is answered after this long. Default 0.
   */
  createDelayMs?: number;
}

export interface DaytonaFake {
  apiUrl: string;
  apiKey: string;
  sandboxes: Map<string, FakeSandbox>;
  created: string[];
  deleted: string[];
  requests: RecordedRequest[];
  /** The next `times` requests on `route` fail; `verify()` fails the test if none was made. */
  failNext(route: string, status: number, body?: unknown, opts?: { headers?: Record<string, string>; times?: number }): void;
  /** The first request on `route` at index `from` (default 0) or later, once it has arrived. */
  waitForRequest(route: string, from?: number): Promise<RecordedRequest>;
  /** Throws if a failNext stub was left unused; then clears it. */
  verify(): void;
  /** State new sandboxes are created in; `creating` turns `started` after `afterPolls` GETs (null: never). */
  setCreateState(state: string, afterPolls?: number | null): void;
  /** A sandbox made outside this test's code (another tool's, or a leftover), for list/prune tests. */
  seed(labels: Record<string, string>, state?: string): string;
  /** Turn the toolbox's session API on or off (off: 404, as an older toolbox). */
  setSessionSupport(on: boolean): void;
  /** How long sandboxes created from now on take to start (see DaytonaFakeOptions.createDelayMs). */
  setCreateDelay(ms: number): void;
  /** Sandboxes created and not deleted. */
  liveCount(): number;
  /** Snapshots by name. */
  snapshots: Map<string, FakeSnapshot>;
  /** A snapshot built before the test (active), with pytest installed unless `packages` says otherwise. */
  seedSnapshot(name: string, packages?: string[]): FakeSnapshot;
  /** Every `python3 -m pip install` run in any sandbox, in order. */
  pipInstalls(): PipInstall[];
  close(): Promise<void>;
}

/** The daemon's parseCommand: split at spaces, a quote opens/closes a group, the other quote kind is literal. */
export function parseDaemonCommand(command: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const ch of command) {
    if (ch === '"' || ch === "'") {
      if (quote === null) quote = ch;
      else if (quote === ch) quote = null;
      else current += ch;
    } else if (ch === ' ' && quote === null) {
      if (current.length > 0) args.push(current), (current = '');
    } else current += ch;
  }
  if (current.length > 0) args.push(current);
  return args;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res(Buffer.concat(chunks)));
    req.on('error', rej);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error' };

function errorBody(status: number, message: string): Record<string, unknown> {
  return { statusCode: status, message, error: STATUS_TEXT[status] ?? message, timestamp: new Date().toISOString() };
}

/** States a seeded sandbox cannot be deleted from: a state change is in progress (the API answers 409). */
const IN_TRANSITION = new Set(['creating', 'restoring', 'starting', 'stopping', 'pulling_snapshot', 'building_snapshot', 'resizing', 'snapshotting', 'forking', 'pausing', 'resuming', 'unknown']);

/** The packages a dockerfile installs with pip (the SDK's `Image.pipInstall` writes `RUN python -m pip install …`). */
function pipPackages(dockerfile: string): string[] {
  const out: string[] = [];
  for (const m of dockerfile.matchAll(/^RUN python -m pip install (.+)$/gm)) {
    for (const word of m[1]!.split(/\s+/)) {
      const w = word.replace(/^'|'$/g, '');
      if (w && !w.startsWith('-')) out.push(w);
    }
  }
  return out;
}

/** Minimal multipart/form-data reader: enough for the SDK's form-data uploads. */
function parseMultipart(body: Buffer, contentType: string): { name: string; filename: string | null; data: Buffer }[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) throw new Error('no multipart boundary');
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: { name: string; filename: string | null; data: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after delimiter and before the next
    const sep = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, sep).toString('utf8');
    const name = /name="([^"]*)"/i.exec(head)?.[1] ?? '';
    const filename = /filename="([^"]*)"/i.exec(head)?.[1] ?? null;
    parts.push({ name, filename, data: part.subarray(sep + 4) });
    pos = next;
  }
  return parts;
}

export async function startDaytonaFake(opts: DaytonaFakeOptions = {}): Promise<DaytonaFake> {
  const apiKey = opts.apiKey ?? 'dtn-test-canary-0001';
  const sandboxes = new Map<string, FakeSandbox>();
  const created: string[] = [];
  const deleted: string[] = [];
  const log = new RequestLog<RecordedRequest>('daytona fake');
  const requests = log.requests;
  const failures = new Map<string, Failure>();
  const unusedFailures = () => {
    const left = [...failures].filter(([, f]) => !f.hit).map(([route, f]) => `${route} → ${f.status}`);
    failures.clear();
    return left;
  };
  let createState = 'started';
  let createAfterPolls: number | null = 1;
  let sessionSupport = opts.sessions ?? true;
  let createDelayMs = opts.createDelayMs ?? 0;
  let origin = '';
  const snapshots = new Map<string, FakeSnapshot>();
  const fakeDir = mkdtempSync(join(tmpdir(), 'ptc-daytona-fake-image-'));

  const dto = (sb: FakeSandbox) => ({
    id: sb.id,
    organizationId: 'org-fake',
    name: sb.id,
    user: 'daytona',
    env: sb.env,
    labels: sb.labels,
    public: false,
    networkBlockAll: false,
    target: 'us',
    cpu: 1,
    gpu: 0,
    memory: 1,
    disk: 3,
    state: sb.state,
    autoStopInterval: sb.autoStopInterval ?? 15,
    autoDeleteInterval: sb.autoDeleteInterval ?? -1,
    createdAt: sb.createdAt,
    updatedAt: sb.createdAt,
    toolboxProxyUrl: `${origin}/toolbox`,
  });

  const newSandbox = (labels: Record<string, string>, env: Record<string, string>, state: string): FakeSandbox => {
    const id = randomUUID();
    const dir = mkdtempSync(join(tmpdir(), 'ptc-daytona-fake-'));
    const home = join(dir, 'home', 'daytona');
    mkdirSync(home, { recursive: true });
    const sb: FakeSandbox = {
      id,
      state,
      labels,
      env,
      autoStopInterval: null,
      autoDeleteInterval: null,
      createdAt: new Date(Date.now() + sandboxes.size).toISOString(),
      dir,
      home,
      pollsUntilStarted: state === 'creating' ? createAfterPolls : null,
      running: new Set(),
      sessions: new Map(),
      imageBin: '',
      stuck: false,
      snapshot: null,
    };
    sb.imageBin = installFakeImage({ sandboxDir: dir, sandboxId: id, logDir: fakeDir, pytest: false });
    sandboxes.set(id, sb);
    return sb;
  };

  const destroy = (sb: FakeSandbox) => {
    for (const child of sb.running) killGroup(child);
    for (const session of sb.sessions.values()) session.deleted = true;
    sb.sessions.clear();
    sandboxes.delete(sb.id);
    deleted.push(sb.id);
    rmSync(sb.dir, { recursive: true, force: true });
  };

  /** A path inside the sandbox, or null when it would leave it. */
  const insidePath = (sb: FakeSandbox, p: string): string | null => {
    const full = isAbsolute(p) ? resolve(p) : resolve(sb.home, p);
    const rel = relative(sb.dir, full);
    return rel.startsWith('..') || isAbsolute(rel) ? null : full;
  };

  async function control(req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams, body: Buffer) {
    const method = req.method ?? 'GET';
    const parts = rest.split('/').filter(Boolean); // ['sandbox', id?, sub?]
    if (parts[0] === 'config') return sendJson(res, 200, {});
    if (parts[0] === 'snapshots') return snapshotRoute(res, method, parts.slice(1), body);
    if (parts[0] !== 'sandbox') return sendJson(res, 404, errorBody(404, `Cannot ${method} /api${rest}`));
    if (parts.length === 1 && method === 'POST') {
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      const fromSnapshot = typeof input.snapshot === 'string' && input.snapshot.trim() !== '' ? input.snapshot : null;
      const snap = fromSnapshot ? findSnapshot(fromSnapshot) : null;
      if (fromSnapshot && !snap) {
        return sendJson(res, 400, errorBody(400, `Snapshot ${fromSnapshot} not found. Did you add it through the Daytona Dashboard?`));
      }
      if (snap && snap.state !== 'active') return sendJson(res, 400, errorBody(400, `Snapshot ${fromSnapshot} is ${snap.state}`));
      // A slow create answers when the sandbox has started, as the API does for a create that is quick to start.
      if (createDelayMs > 0) await new Promise((r) => setTimeout(r, createDelayMs));
      const sb = newSandbox(
        (input.labels as Record<string, string>) ?? {},
        (input.env as Record<string, string>) ?? {},
        createState,
      );
      sb.autoStopInterval = typeof input.autoStopInterval === 'number' ? input.autoStopInterval : null;
      sb.autoDeleteInterval = typeof input.autoDeleteInterval === 'number' ? input.autoDeleteInterval : null;
      if (snap) {
        sb.snapshot = snap.name;
        installFakeImage({ sandboxDir: sb.dir, sandboxId: sb.id, logDir: fakeDir, pytest: snap.packages.includes('pytest') });
      }
      created.push(sb.id);
      return sendJson(res, 200, dto(sb));
    }
    if (parts.length === 1 && method === 'GET') {
      const labels = query.get('labels') ? (JSON.parse(query.get('labels')!) as Record<string, string>) : {};
      const match = [...sandboxes.values()].filter((sb) =>
        Object.entries(labels).every(([k, v]) => sb.labels[k] === v),
      );
      const limit = Number(query.get('limit') ?? opts.pageSize ?? 100);
      const offset = Number(query.get('cursor') ?? 0);
      const page = match.slice(offset, offset + limit);
      const nextCursor = offset + limit < match.length ? String(offset + limit) : null;
      return sendJson(res, 200, { items: page.map(dto), nextCursor });
    }
    const sb = sandboxes.get(parts[1] ?? '');
    if (!sb) return sendJson(res, 404, errorBody(404, `Sandbox with ID or name ${parts[1]} not found`));
    if (parts.length === 2 && method === 'GET') {
      if (sb.state === 'creating' && sb.pollsUntilStarted !== null) {
        sb.pollsUntilStarted -= 1;
        if (sb.pollsUntilStarted <= 0) sb.state = 'started';
      }
      return sendJson(res, 200, dto(sb));
    }
    if (parts.length === 2 && method === 'DELETE' && sb.stuck) {
      // daytonaio/daytona#3294: a `destroying` sandbox accepts the delete and stays; others are mid-change.
      if (sb.state === 'destroying') return sendJson(res, 200, dto(sb));
      return sendJson(res, 409, errorBody(409, 'Sandbox state change in progress'));
    }
    if (parts.length === 2 && method === 'DELETE') {
      destroy(sb);
      return sendJson(res, 200, { ...dto(sb), state: 'destroying' });
    }
    if (parts[2] === 'toolbox-proxy-url' && method === 'GET') return sendJson(res, 200, { url: `${origin}/toolbox` });
    return sendJson(res, 404, errorBody(404, `Cannot ${method} /api${rest}`));
  }

  async function toolbox(req: IncomingMessage, res: ServerResponse, sb: FakeSandbox, rest: string, query: URLSearchParams, body: Buffer) {
    const method = req.method ?? 'GET';
    if (sb.state !== 'started') return sendJson(res, 502, errorBody(502, `sandbox ${sb.id} is ${sb.state}`));
    if ((rest === '/work-dir' || rest === '/user-home-dir') && method === 'GET') return sendJson(res, 200, { dir: sb.home });
    if (rest === '/files/folder' && method === 'POST') {
      const target = insidePath(sb, query.get('path') ?? '');
      if (!target) return sendJson(res, 400, errorBody(400, 'path outside the sandbox'));
      mkdirSync(target, { recursive: true });
      return sendJson(res, 201, undefined);
    }
    if (rest === '/files/bulk-upload' && method === 'POST') {
      const parts = parseMultipart(body, String(req.headers['content-type'] ?? ''));
      const paths = new Map<string, string>();
      const files = new Map<string, Buffer>();
      for (const p of parts) {
        const m = /^files\[(\d+)\]\.(path|file)$/.exec(p.name);
        if (!m) continue;
        if (m[2] === 'path') paths.set(m[1]!, p.data.toString('utf8'));
        else files.set(m[1]!, p.data);
      }
      for (const [i, p] of paths) {
        const target = insidePath(sb, p);
        if (!target) return sendJson(res, 400, errorBody(400, `invalid path ${p}`));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, files.get(i) ?? Buffer.alloc(0));
      }
      return sendJson(res, 200, undefined);
    }
    if (rest === '/files/bulk-download' && method === 'POST') {
      const { paths } = JSON.parse(body.toString('utf8')) as { paths: string[] };
      const boundary = `fake${randomUUID().replace(/-/g, '')}`;
      const chunks: Buffer[] = [];
      for (const p of paths) {
        const target = insidePath(sb, p);
        let data: Buffer | null = null;
        try {
          if (target && statSync(target).isFile()) data = readFileSync(target);
        } catch {
          data = null;
        }
        const part = data
          ? { name: 'file', type: 'application/octet-stream', bytes: data }
          : {
              name: 'error',
              type: 'application/json',
              bytes: Buffer.from(JSON.stringify({ message: `file not found: ${p}`, statusCode: 404, code: 'FILE_NOT_FOUND' })),
            };
        chunks.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${p}"\r\n` +
              `Content-Type: ${part.type}\r\nContent-Length: ${part.bytes.length}\r\n\r\n`,
          ),
          part.bytes,
          Buffer.from('\r\n'),
        );
      }
      chunks.push(Buffer.from(`--${boundary}--\r\n`));
      res.writeHead(200, { 'content-type': `multipart/form-data; boundary=${boundary}` });
      return res.end(Buffer.concat(chunks));
    }
    if (rest === '/process/execute' && method === 'POST') {
      const input = JSON.parse(body.toString('utf8')) as { command?: string; cwd?: string; timeout?: number; envs?: Record<string, string> };
      const argv = parseDaemonCommand(input.command ?? '');
      if (argv.length === 0) return sendJson(res, 400, errorBody(400, 'empty command'));
      const timeoutMs = (input.timeout && input.timeout > 0 ? input.timeout : 360) * 1000;
      const cwd = input.cwd ? insidePath(sb, input.cwd) : sb.home;
      const env = { PATH: imagePath(sb), HOME: sb.home, LANG: 'C.UTF-8', ...sb.env, ...(input.envs ?? {}) };
      let output = '';
      let child: ChildProcess;
      try {
        child = spawn(argv[0]!, argv.slice(1), { cwd: cwd ?? sb.home, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        return sendJson(res, 200, { exitCode: -1, result: (err as Error).message });
      }
      sb.running.add(child);
      child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
      let timedOut = false;
      const timer = setTimeout(() => ((timedOut = true), killGroup(child)), timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        sb.running.delete(child);
        if (!res.headersSent) sendJson(res, 200, { exitCode: -1, result: err.message });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        sb.running.delete(child);
        if (res.headersSent) return;
        if (timedOut) return sendJson(res, 408, errorBody(408, 'command execution timeout'));
        sendJson(res, 200, { exitCode: code ?? -1, result: output });
      });
      return;
    }
    if (rest === '/process/session' || rest.startsWith('/process/session/')) {
      if (!sessionSupport) return sendJson(res, 404, errorBody(404, `Cannot ${method} ${rest}`));
      return sessionRoute(res, sb, method, rest.split('/').slice(3), body);
    }
    return sendJson(res, 404, errorBody(404, `Cannot ${method} ${rest}`));
  }

  /** The process/session routes; `parts` is what follows `/process/session/`. */
  function sessionRoute(res: ServerResponse, sb: FakeSandbox, method: string, parts: string[], body: Buffer) {
    const notFound = (what: string) => sendJson(res, 404, errorBody(404, `${what} not found`));
    if (parts.length === 0 && method === 'POST') {
      const { sessionId } = JSON.parse(body.toString('utf8') || '{}') as { sessionId?: string };
      if (!sessionId) return sendJson(res, 400, errorBody(400, 'invalid request body: sessionId is required'));
      if (sb.sessions.has(sessionId)) return sendJson(res, 409, errorBody(409, 'session already exists'));
      sb.sessions.set(sessionId, { id: sessionId, commands: new Map(), tail: Promise.resolve(), deleted: false });
      return sendJson(res, 201, undefined);
    }
    if (parts.length === 0 && method === 'GET') {
      return sendJson(res, 200, [...sb.sessions.values()].map((x) => sessionDto(x)));
    }
    const session = sb.sessions.get(decodeURIComponent(parts[0] ?? ''));
    if (!session) return notFound('session');
    if (parts.length === 1 && method === 'GET') return sendJson(res, 200, sessionDto(session));
    if (parts.length === 1 && method === 'DELETE') {
      session.deleted = true;
      sb.sessions.delete(session.id);
      for (const cmd of session.commands.values()) if (cmd.child) killGroup(cmd.child);
      res.writeHead(204);
      return res.end();
    }
    if (parts.length === 2 && parts[1] === 'exec' && method === 'POST') {
      const input = JSON.parse(body.toString('utf8') || '{}') as { command?: string; runAsync?: boolean; async?: boolean };
      if (!input.command?.trim()) return sendJson(res, 400, errorBody(400, 'command cannot be empty'));
      const cmd: FakeSessionCommand = { id: randomUUID(), command: input.command, stdout: '', stderr: '', output: '' };
      session.commands.set(cmd.id, cmd);
      const finished = session.tail.then(() => runSessionCommand(sb, session, cmd));
      session.tail = finished;
      if (input.runAsync || input.async) return sendJson(res, 202, { cmdId: cmd.id });
      void finished.then(() => {
        if (cmd.exitCode === undefined) return sendJson(res, 400, errorBody(400, 'session cancelled'));
        sendJson(res, 200, { cmdId: cmd.id, output: cmd.output, exitCode: cmd.exitCode });
      });
      return;
    }
    if (parts[1] !== 'command' || parts.length < 3 || method !== 'GET') return notFound('route');
    const cmd = session.commands.get(decodeURIComponent(parts[2] ?? ''));
    if (!cmd) return notFound('command');
    if (parts.length === 3) {
      return sendJson(res, 200, { id: cmd.id, command: cmd.command, ...(cmd.exitCode !== undefined ? { exitCode: cmd.exitCode } : {}) });
    }
    if (parts.length === 4 && parts[3] === 'logs') {
      return sendJson(res, 200, { output: cmd.output, stdout: cmd.stdout, stderr: cmd.stderr });
    }
    return notFound('route');
  }

  function sessionDto(session: FakeSession) {
    return {
      sessionId: session.id,
      commands: [...session.commands.values()].map((c) => ({ id: c.id, command: c.command, ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}) })),
    };
  }

  /** Run one session command through a shell in its own process group; settles when it has ended. */
  function runSessionCommand(sb: FakeSandbox, session: FakeSession, cmd: FakeSessionCommand): Promise<void> {
    if (session.deleted) return Promise.resolve();
    const env = { PATH: imagePath(sb), HOME: sb.home, LANG: 'C.UTF-8', ...sb.env };
    return new Promise<void>((done) => {
      let child: ChildProcess;
      try {
        child = spawn('sh', ['-c', cmd.command], { cwd: sb.home, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        cmd.stderr = cmd.output = `${(err as Error).message}\n`;
        cmd.exitCode = 127;
        return done();
      }
      cmd.child = child;
      sb.running.add(child);
      child.stdout?.on('data', (c: Buffer) => {
        const text = c.toString('utf8');
        cmd.stdout += text;
        cmd.output += text;
      });
      child.stderr?.on('data', (c: Buffer) => {
        const text = c.toString('utf8');
        cmd.stderr += text;
        cmd.output += text;
      });
      child.on('error', (err) => {
        sb.running.delete(child);
        cmd.child = undefined;
        if (!session.deleted) (cmd.stderr += err.message), (cmd.exitCode = 127);
        done();
      });
      child.on('close', (code, signal) => {
        sb.running.delete(child);
        cmd.child = undefined;
        // A command killed with its session never writes its exit code, as in the daemon.
        if (!session.deleted) cmd.exitCode = code ?? 128 + (signal ? (osSignals[signal] ?? 0) : 0);
        done();
      });
    });
  }

  // ---------- the image and snapshots ----------

  function imagePath(sb: FakeSandbox): string {
    return `${sb.imageBin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  }

  function findSnapshot(idOrName: string): FakeSnapshot | undefined {
    return snapshots.get(idOrName) ?? [...snapshots.values()].find((x) => x.id === idOrName);
  }

  function addSnapshot(name: string, dockerfile: string): FakeSnapshot {
    const snap: FakeSnapshot = {
      id: randomUUID(),
      name,
      state: 'pending',
      dockerfile,
      packages: pipPackages(dockerfile),
      pollsLeft: opts.snapshotPolls ?? 2,
      errorReason: null,
      createdAt: new Date().toISOString(),
    };
    snapshots.set(name, snap);
    return snap;
  }

  const snapshotDto = (x: FakeSnapshot) => ({
    id: x.id,
    organizationId: 'org-fake',
    general: false,
    name: x.name,
    state: x.state,
    size: null,
    entrypoint: null,
    cpu: 1,
    gpu: 0,
    mem: 1,
    disk: 3,
    errorReason: x.errorReason,
    createdAt: x.createdAt,
    updatedAt: x.createdAt,
    lastUsedAt: null,
    buildInfo: x.dockerfile ? { dockerfileContent: x.dockerfile, contextHashes: [] } : undefined,
    initialRunnerId: 'runner-fake',
  });

  /** `/snapshots…` as the API's SnapshotController answers it. */
  function snapshotRoute(res: ServerResponse, method: string, parts: string[], body: Buffer) {
    if (parts.length === 0 && method === 'POST') {
      const input = JSON.parse(body.toString('utf8') || '{}') as { name?: string; imageName?: string; buildInfo?: { dockerfileContent?: string } };
      if (!input.name) return sendJson(res, 400, errorBody(400, 'name must be a string'));
      if (!input.buildInfo && !input.imageName) return sendJson(res, 400, errorBody(400, 'Must specify an image name when not using a build info entry'));
      if (snapshots.has(input.name)) {
        return sendJson(res, 409, errorBody(409, `Snapshot with name "${input.name}" already exists for this organization`));
      }
      return sendJson(res, 200, snapshotDto(addSnapshot(input.name, input.buildInfo?.dockerfileContent ?? '')));
    }
    if (parts.length === 0 && method === 'GET') {
      const items = [...snapshots.values()].map(snapshotDto);
      return sendJson(res, 200, { items, total: items.length, page: 1, totalPages: 1 });
    }
    const snap = findSnapshot(decodeURIComponent(parts[0] ?? ''));
    if (!snap) return sendJson(res, 404, errorBody(404, `Snapshot ${parts[0]} not found`));
    if (parts.length === 1 && method === 'GET') {
      if (snap.state !== 'active' && snap.pollsLeft > 0) {
        snap.pollsLeft -= 1;
        snap.state = snap.pollsLeft === 0 ? 'active' : 'building';
      }
      return sendJson(res, 200, snapshotDto(snap));
    }
    if (parts.length === 2 && parts[1] === 'build-logs-url' && method === 'GET') {
      return sendJson(res, 200, { url: `${origin}/snapshot-build-logs/${snap.id}` });
    }
    if (parts.length === 1 && method === 'DELETE') {
      snapshots.delete(snap.name);
      return sendJson(res, 200, undefined);
    }
    return sendJson(res, 404, errorBody(404, `Cannot ${method} /api/snapshots/${parts.join('/')}`));
  }

  /** The build log stream: one line per dockerfile step, then the end. */
  function buildLogs(res: ServerResponse, id: string) {
    const snap = [...snapshots.values()].find((x) => x.id === id);
    if (!snap) return sendJson(res, 404, errorBody(404, `Snapshot ${id} not found`));
    res.writeHead(200, { 'content-type': 'text/plain' });
    const steps = snap.dockerfile.split('\n').filter(Boolean);
    res.end(steps.map((line, i) => `Step ${i + 1}/${steps.length} : ${line}\n`).join(''));
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      const body = await readBody(req);
      const path = url.pathname;
      let route: string;
      let tb: { sb: FakeSandbox | undefined; rest: string } | null = null;
      if (path.startsWith('/api/')) {
        route = `${req.method} ${path.slice(4).replace(/^\/sandbox\/[^/]+/, '/sandbox/:id').replace(/^\/snapshots\/[^/]+/, '/snapshots/:id')}`;
      } else if (path.startsWith('/toolbox/')) {
        const [, , id, ...rest] = path.split('/');
        tb = { sb: sandboxes.get(id ?? ''), rest: `/${rest.join('/')}` };
        const key = tb.rest.replace(/^\/process\/session\/[^/]+/, '/process/session/:id').replace(/\/command\/[^/]+/, '/command/:id');
        route = `${req.method} ${key}`;
      } else route = `${req.method} ${path}`;
      log.record({
        method: req.method ?? 'GET',
        route,
        path,
        query: Object.fromEntries(url.searchParams),
        headers: { ...req.headers },
        body: body.toString('utf8'),
        at: Date.now(),
      });
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        return sendJson(res, 401, errorBody(401, 'Unauthorized'));
      }
      const failure = failures.get(route);
      if (failure) {
        failure.hit = true;
        failure.times -= 1;
        if (failure.times <= 0) failures.delete(route);
        return sendJson(res, failure.status, failure.body, failure.headers);
      }
      if (path.startsWith('/api/')) return await control(req, res, path.slice(4), url.searchParams, body);
      if (path.startsWith('/snapshot-build-logs/')) return buildLogs(res, decodeURIComponent(path.split('/')[2] ?? ''));
      if (tb) {
        if (!tb.sb) return sendJson(res, 404, errorBody(404, 'sandbox not found'));
        return await toolbox(req, res, tb.sb, tb.rest, url.searchParams, body);
      }
      return sendJson(res, 404, errorBody(404, 'not found'));
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, errorBody(500, (err as Error).message));
    }
  });
  // The SDK's Socket.IO websocket: refused, as a firewall would; the SDK polls instead.
  server.on('upgrade', (_req, socket) => socket.destroy());

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${origin}/api`,
    apiKey,
    sandboxes,
    created,
    deleted,
    requests,
    failNext(route, status, body, o = {}) {
      failures.set(route, {
        status,
        body: body ?? errorBody(status, `fake failure ${status}`),
        headers: o.headers ?? {},
        times: o.times ?? 1,
        hit: false,
      });
    },
    setCreateState(state, afterPolls = 1) {
      createState = state;
      createAfterPolls = afterPolls;
    },
    seed(labels, state = 'started') {
      const sb = newSandbox(labels, {}, state);
      sb.stuck = state === 'destroying' || IN_TRANSITION.has(state);
      return sb.id;
    },
    snapshots,
    seedSnapshot(name, packages = ['pytest']) {
      const snap = addSnapshot(name, packages.length ? `FROM python:3.12-slim-bookworm\nRUN python -m pip install ${packages.join(' ')}\n` : '');
      snap.state = 'active';
      snap.pollsLeft = 0;
      return snap;
    },
    pipInstalls: () => readPipLog(fakeDir),
    setSessionSupport(on) {
      sessionSupport = on;
    },
    setCreateDelay(ms) {
      createDelayMs = ms;
    },
    liveCount: () => sandboxes.size,
    waitForRequest: (route, from) => log.waitFor((r) => r.route === route, from),
    verify: () => log.verify(unusedFailures()),
    async close() {
      for (const sb of sandboxes.values()) {
        for (const child of sb.running) killGroup(child);
        rmSync(sb.dir, { recursive: true, force: true });
      }
      rmSync(fakeDir, { recursive: true, force: true });
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      log.verify(unusedFailures());
    },
  };
}

const osSignals: Record<string, number> = osConstants.signals as unknown as Record<string, number>;

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
