/**
 * `ptc sandbox snapshot create` through the real SDK (`Image`, `daytona.snapshot.create`) against the loopback
 * Daytona's snapshot routes: the build request, the progress it shows, and what happens when one exists.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPtcSnapshot, defaultSnapshotName, snapshotPackages } from '../../src/sandbox/daytona-snapshot.js';
import { startDaytonaFake, type DaytonaFake } from '../fakes/daytona-server.js';

let fake: DaytonaFake;
beforeEach(async () => {
  fake = await startDaytonaFake();
});
afterEach(async () => {
  await fake.close();
});

const access = () => ({ apiKey: fake.apiKey, apiUrl: fake.apiUrl });

describe('snapshot create', () => {
  it('builds a python image with pytest and the extra packages, showing each state and the build log', async () => {
    const lines: string[] = [];
    const made = await createPtcSnapshot({ ...access(), name: 'ptc-python-test', packages: ['attrs'], onLog: (l) => lines.push(l) });
    expect(made).toMatchObject({ name: 'ptc-python-test', state: 'active', existed: false });
    const post = fake.requests.find((r) => r.route === 'POST /snapshots')!;
    const body = JSON.parse(post.body) as { name: string; buildInfo: { dockerfileContent: string } };
    expect(body.name).toBe('ptc-python-test');
    expect(body.buildInfo.dockerfileContent).toMatch(/^FROM python:3\.12(\.\d+)?-slim-bookworm/);
    expect(fake.snapshots.get('ptc-python-test')!.packages).toEqual(expect.arrayContaining(['pytest', 'attrs']));
    expect(lines).toContain('Creating snapshot ptc-python-test (building)');
    expect(lines.some((l) => /^Step \d+\/\d+ : RUN python -m pip install .*pytest/.test(l))).toBe(true);
    expect(lines).toContain('Created snapshot ptc-python-test (active)');
  });

  it('an active snapshot of that name is reused: nothing is built', async () => {
    fake.seedSnapshot('ptc-python-test');
    const made = await createPtcSnapshot({ ...access(), name: 'ptc-python-test' });
    expect(made).toMatchObject({ name: 'ptc-python-test', existed: true });
    expect(fake.requests.some((r) => r.route === 'POST /snapshots')).toBe(false);
  });

  it('the default name follows the package list, so the same content gets the same name', () => {
    expect(defaultSnapshotName(snapshotPackages())).toBe(defaultSnapshotName(snapshotPackages([])));
    expect(defaultSnapshotName(snapshotPackages(['attrs']))).not.toBe(defaultSnapshotName(snapshotPackages()));
    expect(defaultSnapshotName(snapshotPackages())).toMatch(/^ptc-python3\.12-[0-9a-f]{8}$/);
  });

  it('a key without write:snapshots gets sandbox_permission naming it', async () => {
    fake.failNext('POST /snapshots', 403, { statusCode: 403, error: 'Forbidden', message: 'Access denied' });
    await expect(createPtcSnapshot({ ...access(), name: 'ptc-python-test' })).rejects.toMatchObject({
      code: 'sandbox_permission',
      exitCode: 4,
      message: expect.stringContaining('write:snapshots'),
    });
  });
});
