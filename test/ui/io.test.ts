import chalk from 'chalk';
import { expect, it, onTestFinished } from 'vitest';
import { IO } from '../../src/ui/io.js';

function stream(props: { isTTY?: boolean; columns?: number }) {
  const written: string[] = [];
  return { written, write: (s: string) => written.push(s), ...props };
}

it('draws progress only on a terminal with a width: a 0-column pty would make the spinner clear lines for ever', async () => {
  const unsized = stream({ isTTY: true, columns: 0 });
  const io = new IO({ stderr: unsized, stdout: stream({}), env: {} });
  expect(io.interactive).toBe(false);
  io.progress('running tests');
  await new Promise((r) => setTimeout(r, 50));
  io.close();
  expect(unsized.written).toEqual([]);

  expect(new IO({ stderr: stream({ isTTY: true, columns: 80 }), stdout: stream({}), env: {} }).interactive).toBe(true);
  expect(new IO({ stderr: stream({ isTTY: true, columns: 80 }), stdout: stream({}), env: { CI: 'true' } }).interactive).toBe(false);
  expect(new IO({ stderr: stream({ isTTY: false, columns: 80 }), stdout: stream({}), env: {} }).interactive).toBe(false);
});

/** A terminal the spinner can draw on; resolves with the first frame that shows `text`. */
function terminal(text: string) {
  let frame!: (s: string) => void;
  const shown = new Promise<string>((r) => (frame = r));
  const noop = () => true;
  const tty = { isTTY: true, columns: 80, write: (s: string) => s.includes(text) && frame(s), cursorTo: noop, clearLine: noop, moveCursor: noop };
  return { tty, shown };
}

it('NO_COLOR reaches the spinner glyph too', async () => {
  // The spinner colours its glyph with chalk's own level (from the real terminal, none under the test runner):
  // raise it, as a user's terminal would, so only NO_COLOR can keep the glyph plain.
  const saved = chalk.level;
  chalk.level = 3;
  onTestFinished(() => {
    chalk.level = saved;
  });
  const t = terminal('running tests');
  const io = new IO({ stderr: t.tty, stdout: stream({}), env: { NO_COLOR: '1' } });
  io.progress('running tests');
  const frame = await t.shown;
  io.close();
  expect(frame).not.toMatch(/\x1b\[3\dm/);
});
