/**
 * `ptc sandbox prune` lists and deletes only ptc-labelled sandboxes, across pages, through the real SDK.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listPtcSandboxes, pruneSandboxes } from '../../src/sandbox/prune.js';
import { startDaytonaFake, type DaytonaFake } from '../fakes/daytona-server.js';

let fake: DaytonaFake;
let ours: string[];
let foreign: string[];

beforeEach(async () => {
  fake = await startDaytonaFake({ pageSize: 2 }); // several pages: the cursor must be followed
  ours = [
    fake.seed({ app: 'ptc', 'ptc-run': 'r1' }),
    fake.seed({ app: 'ptc', 'ptc-run': 'r2' }, 'stopped'),
    fake.seed({ app: 'ptc', 'ptc-run': 'r3' }),
  ];
  foreign = [fake.seed({ app: 'other-tool' }), fake.seed({ team: 'ml' })];
});
afterEach(async () => {
  await fake.close();
});

const access = () => ({ apiKey: fake.apiKey, apiUrl: fake.apiUrl });

describe('prune', () => {
  it('lists the ptc sandboxes by label, with state, creation time and labels', async () => {
    const list = await listPtcSandboxes(access());
    expect(list.map((s) => s.id).sort()).toEqual([...ours].sort());
    expect(list.find((s) => s.labels['ptc-run'] === 'r2')?.state).toBe('stopped');
    expect(list.every((s) => typeof s.createdAt === 'string')).toBe(true);
    const listCalls = fake.requests.filter((r) => r.route === 'GET /sandbox');
    expect(JSON.parse(listCalls[0]!.query.labels!)).toEqual({ app: 'ptc' });
    expect(listCalls.length).toBeGreaterThanOrEqual(2);
  });

  it('dry run deletes nothing', async () => {
    const lines: string[] = [];
    const logger = { info: (m: string) => lines.push(m), warn() {}, debug() {}, progress() {} };
    const res = await pruneSandboxes({ ...access(), dryRun: true, logger });
    expect(res.deleted).toEqual([]);
    expect(fake.deleted).toEqual([]);
    expect(lines.join('\n')).toContain(ours[0]!);
  });

  it('deletes only ptc sandboxes and reports each failure without stopping', async () => {
    fake.failNext('DELETE /sandbox/:id', 500, { statusCode: 500, message: 'runner unavailable' });
    const res = await pruneSandboxes({ ...access(), logger: undefined });
    expect(res.failed).toHaveLength(1);
    expect(res.failed[0]!.message).toContain('runner unavailable');
    expect([...res.deleted, res.failed[0]!.id].sort()).toEqual([...ours].sort());
    expect(fake.deleted.sort()).toEqual([...res.deleted].sort());
    for (const id of foreign) expect(fake.sandboxes.has(id)).toBe(true);
  });

  it('reports and skips sandboxes stuck mid-transition (destroying: daytonaio/daytona#3294; starting), one line each', async () => {
    const destroying = fake.seed({ app: 'ptc', 'ptc-run': 'r4' }, 'destroying');
    const starting = fake.seed({ app: 'ptc', 'ptc-run': 'r5' }, 'starting');
    const warnings: string[] = [];
    const logger = { info() {}, debug() {}, progress() {}, warn: (m: string) => warnings.push(m) };
    const res = await pruneSandboxes({ ...access(), logger });
    expect(res.deleted.sort()).toEqual([...ours].sort());
    expect(res.failed).toEqual([]);
    expect(res.skipped.map((s) => [s.id, s.state]).sort()).toEqual([[destroying, 'destroying'], [starting, 'starting']].sort());
    // Not even asked: a delete would be accepted and do nothing (destroying) or be refused with 409 (starting).
    const deletes = fake.requests.filter((r) => r.route === 'DELETE /sandbox/:id').map((r) => r.path);
    expect(deletes.some((p) => p.endsWith(destroying) || p.endsWith(starting))).toBe(false);
    const lines = warnings.filter((w) => w.startsWith('skipped '));
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.includes(destroying))).toMatch(/Daytona has been deleting it.*#3294/);
    expect(lines.find((l) => l.includes(starting))).toMatch(/it is starting.*run prune again later/);
    expect(fake.sandboxes.has(destroying) && fake.sandboxes.has(starting)).toBe(true);
  });

  it('a sandbox whose state changes under prune (409 "state change in progress") is skipped, not failed', async () => {
    fake.failNext('DELETE /sandbox/:id', 409, { statusCode: 409, error: 'Conflict', message: 'Sandbox state change in progress' });
    const res = await pruneSandboxes({ ...access(), logger: undefined });
    expect(res.failed).toEqual([]);
    expect(res.skipped).toHaveLength(1);
    expect(res.deleted).toHaveLength(ours.length - 1);
  });

  it('a key that may not delete fails each delete naming delete:sandboxes, not a quota', async () => {
    fake.failNext('DELETE /sandbox/:id', 403, { statusCode: 403, error: 'Forbidden', message: 'Access denied' }, { times: ours.length });
    const res = await pruneSandboxes({ ...access(), logger: undefined });
    expect(res.deleted).toEqual([]);
    expect(res.failed).toHaveLength(ours.length);
    for (const f of res.failed) {
      expect(f.message).toContain('delete:sandboxes');
      expect(f.message).not.toMatch(/quota/i);
    }
  });

  it('a wrong key is sandbox_auth (exit 4)', async () => {
    await expect(listPtcSandboxes({ ...access(), apiKey: 'dtn-test-canary-BAD' })).rejects.toMatchObject({
      code: 'sandbox_auth',
      exitCode: 4,
    });
  });
});
