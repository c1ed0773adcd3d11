/**
 * pytest plugins the tests use without importing them: a fixture they take or a marker they set. Each names the
 * distribution that provides it, so it is installed (Daytona) or checked (local) like any dependency, and loaded
 * when the sandbox runs pytest with only the plugins the code uses.
 */
import type { SourceFile } from '../types.js';
import { normalizePackageName, requirementName } from './deps.js';

const PYTEST_PLUGIN_FIXTURES: ReadonlyMap<string, string> = new Map(Object.entries({
  mocker: 'pytest-mock',
  class_mocker: 'pytest-mock',
  module_mocker: 'pytest-mock',
  session_mocker: 'pytest-mock',
  benchmark: 'pytest-benchmark',
  httpx_mock: 'pytest-httpx',
  requests_mock: 'requests-mock',
  freezer: 'pytest-freezer',
  time_machine: 'time-machine',
  faker: 'Faker',
  anyio_backend: 'anyio',
  event_loop: 'pytest-asyncio',
  aresponses: 'aresponses',
  respx_mock: 'respx',
}));
const PYTEST_PLUGIN_MARKERS: ReadonlyMap<string, string> = new Map(Object.entries({
  asyncio: 'pytest-asyncio',
  anyio: 'anyio',
  timeout: 'pytest-timeout',
  freeze_time: 'pytest-freezer',
  benchmark: 'pytest-benchmark',
  httpx_mock: 'pytest-httpx',
  respx: 'respx',
}));

/** Distributions of the pytest plugins Python sources use through fixtures or markers (see the tables above). */
export function pytestPluginsUsed(files: SourceFile[]): string[] {
  const py = files.filter((f) => f.path.endsWith('.py'));
  // A fixture the project defines itself (`def mocker(...)` in a conftest) is not a plugin's.
  const defined = new Set(py.flatMap((f) => [...f.content.matchAll(/\bdef\s+([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]!)));
  const found: string[] = [];
  for (const f of py) {
    for (const m of f.content.matchAll(/\bdef\s+\w+\s*\(([^)]*)\)/g)) {
      for (const param of m[1]!.split(',')) {
        const name = /^\s*\*{0,2}([A-Za-z_]\w*)/.exec(param)?.[1];
        const dist = name && !defined.has(name) ? PYTEST_PLUGIN_FIXTURES.get(name) : undefined;
        if (dist) found.push(dist);
      }
    }
    for (const m of f.content.matchAll(/\bpytest\.mark\.([A-Za-z_]\w*)/g)) {
      const dist = PYTEST_PLUGIN_MARKERS.get(m[1]!);
      if (dist) found.push(dist);
    }
  }
  return dedupe(found);
}

/** The packages plus the distributions of the pytest plugins the tests use by fixture or marker. */
export function withPytestPlugins(deps: string[], sources: SourceFile[]): string[] {
  const have = new Set(deps.map((d) => normalizePackageName(requirementName(d))));
  const extra = pytestPluginsUsed(sources).filter((p) => !have.has(normalizePackageName(p)));
  return [...deps, ...extra];
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
