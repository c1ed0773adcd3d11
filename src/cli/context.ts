import type { IO } from '../ui/io.js';
import type { Lifecycle } from './lifecycle.js';

/** What every CLI command gets: its streams, its lifecycle (signal, timeout, cleanups), where it runs. */
export interface CliContext {
  io: IO;
  lifecycle: Lifecycle;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** True when stdin is a terminal (a prompt is never read from it then). */
  stdinIsTTY: boolean;
  stdin: NodeJS.ReadableStream;
}
