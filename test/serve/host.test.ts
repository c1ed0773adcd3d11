import { describe, expect, it } from 'vitest';
import { hostAllowed, parseHostName } from '../../src/serve/host.js';
import { normalizeOrigin } from '../../src/serve/origin.js';

const allowed = (entries: string[]) => entries.map((e) => parseHostName(e)!);

describe('which Host headers reach ptc serve', () => {
  it('bound to loopback: loopback names on any port; other names and IP literals are refused', () => {
    const policy = { bound: '127.0.0.1', allowed: [] };
    for (const host of ['localhost', 'localhost:8001', '127.0.0.1:9000', '[::1]', '[::1]:8001']) expect([host, hostAllowed(host, policy)]).toEqual([host, true]);
    for (const host of [undefined, '', 'evil.example:8001', 'localhost.evil.example', '10.0.0.5:8001', 'localhost:8001/x', 'local host'])
      expect([host, hostAllowed(host, policy)]).toEqual([host, false]);
  });

  it('bound to one address: that address too', () => {
    const policy = { bound: '192.168.1.20', allowed: [] };
    expect(hostAllowed('192.168.1.20:8001', policy)).toBe(true);
    expect(hostAllowed('192.168.1.21:8001', policy)).toBe(false);
    expect(hostAllowed('[fe80::1]:8001', { bound: 'fe80::1', allowed: [] })).toBe(true);
  });

  it('bound to a wildcard: any IP literal (none can be rebound), names only when listed', () => {
    for (const bound of ['0.0.0.0', '::']) {
      const policy = { bound, allowed: [] };
      expect(hostAllowed('10.1.2.3:8001', policy)).toBe(true);
      expect(hostAllowed('[2001:db8::7]:8001', policy)).toBe(true);
      expect(hostAllowed('ptc.internal:8001', policy)).toBe(false);
    }
  });

  it('--allow-host: a bare name matches any port, name:port only that port', () => {
    const policy = { bound: '127.0.0.1', allowed: allowed(['PTC.internal', 'gw.example:443']) };
    expect(hostAllowed('ptc.internal', policy)).toBe(true);
    expect(hostAllowed('ptc.internal:8001', policy)).toBe(true);
    expect(hostAllowed('gw.example:443', policy)).toBe(true);
    expect(hostAllowed('gw.example:8443', policy)).toBe(false);
    expect(hostAllowed('gw.example', policy)).toBe(false);
    expect(hostAllowed('ptc.internal.evil.example', policy)).toBe(false);
  });

  it('--allow-host and --allow-origin entries that are not one are refused (null)', () => {
    for (const bad of ['http://x', 'x/y', '*', 'a b', '']) expect([bad, parseHostName(bad)]).toEqual([bad, null]);
    expect(normalizeOrigin('https://App.Example.com/')).toBe('https://app.example.com');
    expect(normalizeOrigin('http://app.test:80')).toBe('http://app.test');
    for (const bad of ['*', 'null', 'app.test', 'file:///x', 'https://app.test/path', 'https://u:p@app.test']) expect([bad, normalizeOrigin(bad)]).toEqual([bad, null]);
  });
});
