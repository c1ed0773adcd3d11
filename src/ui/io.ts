import type { Logger } from '../types.js';
import { MIN_SECRET_LENGTH, scrubSecrets } from '../util/scrub.js';
import { type Colors, colorLevel, isCI, makeColors } from './color.js';

export interface Writable {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface IOOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  stdout?: Writable;
  stderr?: Writable;
  env?: NodeJS.ProcessEnv;
}

interface SpinnerLike {
  text: string;
  start(): unknown;
  stop(): unknown;
  clear(): unknown;
  render(): unknown;
  isSpinning: boolean;
}

/**
 * Everything ptc prints goes through here: the result on stdout, everything else on stderr, and every known
 * secret scrubbed from both on the way out, so a key that slips into a message still never reaches a screen.
 */
export class IO {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly out: Colors;
  readonly err: Colors;
  readonly interactive: boolean;
  private readonly stdoutStream: Writable;
  private readonly stderrStream: Writable;
  private readonly secrets = new Set<string>();
  private spinner: SpinnerLike | null = null;
  private spinnerLoading: Promise<void> | null = null;
  private pendingText = '';
  private stopped = false;
  /** The spinner's glyph is coloured on its own (by ora), so NO_COLOR must reach it too. */
  private readonly spinnerColor: boolean;

  constructor(opts: IOOptions = {}) {
    const env = opts.env ?? process.env;
    this.json = Boolean(opts.json);
    this.quiet = Boolean(opts.quiet);
    this.verbose = Boolean(opts.verbose);
    this.stdoutStream = opts.stdout ?? process.stdout;
    this.stderrStream = opts.stderr ?? process.stderr;
    this.out = makeColors(this.stdoutStream, env);
    this.err = makeColors(this.stderrStream, env);
    this.spinnerColor = colorLevel(this.stderrStream, env) > 0;
    // A terminal that reports 0 columns (a pty nobody sized: `script` from a pipe, some CI runners) cannot hold
    // a redrawn line, and ora's clear-lines count divides by the width: it would loop for ever.
    const sized = this.stderrStream.columns !== 0;
    this.interactive = Boolean(this.stderrStream.isTTY) && sized && !isCI(env) && !this.json && !this.quiet;
  }

  addSecret(value: string | null | undefined): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
  }

  /** Every secret the configuration knows (configuredSecrets), not only the ones this command uses. */
  addSecrets(values: Iterable<string>): void {
    for (const value of values) this.addSecret(value);
  }

  scrub(text: string): string {
    return scrubSecrets(text, this.secrets);
  }

  /** The result, on stdout. */
  print(text: string): void {
    this.stdoutStream.write(this.scrub(text.endsWith('\n') ? text : text + '\n'));
  }

  /** A line on stderr that leaves any spinner intact. */
  note(text: string): void {
    const spinning = this.spinner?.isSpinning;
    if (spinning) this.spinner!.clear();
    this.stderrStream.write(this.scrub(text.endsWith('\n') ? text : text + '\n'));
    if (spinning) this.spinner!.render();
  }

  readonly logger: Logger = {
    info: (m) => {
      if (!this.quiet) this.note(m);
    },
    warn: (m) => this.note(`${this.err.yellow('warning:')} ${m}`),
    debug: (m) => {
      if (this.verbose) this.note(this.err.dim(m));
    },
    progress: (m) => this.progress(m),
  };

  /** A transient status line: a spinner on a TTY, nothing elsewhere (a log stays readable). */
  progress(text: string): void {
    if (!this.interactive || this.stopped) return;
    this.pendingText = this.scrub(text);
    if (this.spinner) {
      this.spinner.text = this.pendingText;
      if (!this.spinner.isSpinning) this.spinner.start();
      return;
    }
    if (!this.spinnerLoading) {
      this.spinnerLoading = import('ora').then(({ default: ora }) => {
        if (this.stopped) return;
        this.spinner = ora({
          text: this.pendingText,
          stream: this.stderrStream as NodeJS.WritableStream,
          discardStdin: false,
          color: this.spinnerColor ? 'cyan' : false,
        }) as unknown as SpinnerLike;
        this.spinner.start();
      });
    }
  }

  stopProgress(): void {
    if (this.spinner?.isSpinning) this.spinner.stop();
  }

  close(): void {
    this.stopped = true;
    this.stopProgress();
  }
}
