import { isIP } from 'node:net';
import { HttpError } from './http-error.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const WILDCARDS = new Set(['0.0.0.0', '::']);

/** A Host header (or an --allow-host entry) split into a lower-case name without brackets and an optional port. */
export interface HostName {
  name: string;
  port: string | null;
}

/** `name`, `name:port`, `[v6]`, `[v6]:port`; null when it is none of these (a scheme, a path, spaces). */
export function parseHostName(value: string): HostName | null {
  const text = value.trim().toLowerCase();
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+))(?::(\d{1,5}))?$/.exec(text);
  if (!m) return null;
  return { name: m[1] ?? m[2]!, port: m[3] ?? null };
}

export interface HostPolicy {
  /** The address the server is bound to, as given to --host. */
  bound: string;
  /** --allow-host entries: a name matches on any port, `name:port` on that port only. */
  allowed: HostName[];
}

/**
 * Why a Host is checked at all: a web page can point a DNS name it controls at 127.0.0.1 (DNS rebinding) and
 * then talk to this server as if it were the page's own origin. The browser still sends that name as Host, so
 * accepting only names that cannot be rebound (loopback names, the bound address, IP literals when bound to a
 * wildcard) closes the door. Any port is fine: an SSH tunnel or a published container port changes it.
 */
export function hostAllowed(header: string | undefined, policy: HostPolicy): boolean {
  const host = header === undefined ? null : parseHostName(header);
  if (!host) return false;
  if (LOOPBACK_NAMES.has(host.name)) return true;
  const bound = policy.bound.toLowerCase().replace(/^\[|\]$/g, '');
  if (host.name === bound) return true;
  // Bound to every interface, the server cannot know which of its addresses (or a NAT's) the client used; an IP
  // literal is never a name someone else can rebind, so any is fine. Names still need --allow-host.
  if (WILDCARDS.has(bound) && isIP(host.name) !== 0) return true;
  return policy.allowed.some((a) => a.name === host.name && (a.port === null || a.port === host.port));
}

export function checkHost(header: string | undefined, policy: HostPolicy): void {
  if (hostAllowed(header, policy)) return;
  const shown = header === undefined ? 'no Host header' : `Host ${JSON.stringify(header.slice(0, 100))}`;
  throw new HttpError(
    403,
    'host_not_allowed',
    `${shown} is not this server: use localhost or 127.0.0.1, or start it with --allow-host <name> for a name that points here`,
  );
}
