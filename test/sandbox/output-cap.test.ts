import { describe, expect, it } from 'vitest';
import { capOutput } from '../../src/sandbox/daytona.js';
import { capText } from '../../src/sandbox/output-cap.js';

describe('output capping, one rule for both sandboxes', () => {
  it('keeps head and tail halves and counts the bytes left out', () => {
    expect(capText('a'.repeat(10) + 'Z'.repeat(10), 10)).toEqual({ text: 'aaaaa\n…[output truncated by ptc: 10 bytes omitted]\nZZZZZ', truncated: true });
    expect(capText('short', 10)).toEqual({ text: 'short', truncated: false });
  });

  it('Daytona output is capped by the same rule as the local sandbox', () => {
    const { text, truncated } = capOutput('é'.repeat(10), 8);
    expect(truncated).toBe(true);
    expect(text).toBe('éé\n…[output truncated by ptc: 12 bytes omitted]\néé');
  });
});
