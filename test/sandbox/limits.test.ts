import { describe, expect, it } from 'vitest';
import { limitsHit } from '../../src/sandbox/limit-hit.js';
import { DEFAULT_LIMITS, describeLimits, formatSize, parseSize, prlimitArgs, resolveLimits } from '../../src/sandbox/limits.js';

describe('sizes', () => {
  it('reads binary units the way ulimit and df write them', () => {
    expect(parseSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5 mib')).toBe(1.5 * 1024 ** 2);
    expect(parseSize('100')).toBe(100);
    expect(() => parseSize('lots')).toThrow('use e.g. "2GiB"');
  });

  it('prints them back short', () => {
    expect(formatSize(2 * 1024 ** 3)).toBe('2 GiB');
    expect(formatSize(1.5 * 1024 ** 2)).toBe('1.5 MiB');
    expect(formatSize(10)).toBe('10 bytes');
  });
});

describe('limits from the rc file', () => {
  it('defaults to limits a test suite does not hit but a bomb does', () => {
    expect(resolveLimits(undefined)).toEqual(DEFAULT_LIMITS);
    expect(prlimitArgs(DEFAULT_LIMITS)).toEqual([`--data=${2 * 1024 ** 3}`, '--nproc=1024', `--fsize=${1024 ** 3}`]);
  });

  it('takes sizes with units and false for no limit', () => {
    const l = resolveLimits({ memory: '512MiB', processes: false, tmp: false });
    expect(l).toMatchObject({ memory: 512 * 1024 ** 2, processes: null, tmp: null, fileSize: DEFAULT_LIMITS.fileSize });
    expect(prlimitArgs(l)).toEqual([`--data=${512 * 1024 ** 2}`, `--fsize=${1024 ** 3}`]);
    expect(describeLimits(l, { isolated: true })).toBe(
      'memory 512 MiB per process, unlimited processes, files up to 1 GiB, /tmp unlimited, copy may grow by 2 GiB',
    );
  });
});

describe('which limit a command ran into', () => {
  const run = (stderr: string, exitCode: number | null = 1) => ({ exitCode, stdout: '', stderr });

  it('reads the signs each runtime leaves', () => {
    expect(limitsHit(run('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'), DEFAULT_LIMITS, { isolated: true }))
      .toEqual(['memory limit 2 GiB reached (local.limits.memory, per process)']);
    expect(limitsHit(run('Error: spawn /bin/sh EAGAIN'), DEFAULT_LIMITS, { isolated: true }))
      .toEqual(['process limit 1024 reached (local.limits.processes)']);
    // node does not ignore SIGXFSZ: the shell and bwrap report 128 + 25.
    expect(limitsHit(run('', 153), DEFAULT_LIMITS, { isolated: true })).toEqual(['file size limit 1 GiB reached (local.limits.fileSize)']);
    expect(limitsHit(run('OSError: [Errno 28] No space left on device'), DEFAULT_LIMITS, { isolated: true }))
      .toEqual(['/tmp limit 512 MiB reached (local.limits.tmp)']);
  });

  it('says nothing for a plain failure, for a limit that is off, or for /tmp outside the jail', () => {
    expect(limitsHit(run('AssertionError: 1 != 2'), DEFAULT_LIMITS, { isolated: true })).toEqual([]);
    expect(limitsHit(run('MemoryError'), { ...DEFAULT_LIMITS, memory: null }, { isolated: true })).toEqual([]);
    expect(limitsHit(run('No space left on device'), DEFAULT_LIMITS, { isolated: false })).toEqual([]);
  });
});
