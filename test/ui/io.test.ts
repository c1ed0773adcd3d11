import { expect, it } from 'vitest';
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
