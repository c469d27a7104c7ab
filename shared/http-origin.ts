/**
 * Host and Origin rules against DNS rebinding, shared by the gateway and the dashboard. A page on
 * evil.example whose name is re-pointed at 127.0.0.1 talks to a loopback server as a *same-origin* page: the
 * browser's only tell is the `Host` header (`evil.example:8080`), so a server without a password or token
 * must answer only to names it knows. `Origin` is what a browser sends on cross-origin writes and WebSocket
 * upgrades; a non-browser client sends none and is not concerned.
 */

/** `Host` names a loopback server answers to by default. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

const IPV4_LOOPBACK = /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * The host name of a `Host` header (or of a URL's host), lower-cased, without its port; IPv6 literals keep
 * their brackets. undefined for an empty or malformed value.
 */
export function hostName(hostHeader: string | undefined): string | undefined {
  const h = (hostHeader ?? '').trim().toLowerCase();
  if (h === '') return undefined;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]/@\s]+)(?::\d{1,5})?$/.exec(h);
  return m?.[1];
}

/** A loopback name: `localhost`, an IPv4 literal in 127.0.0.0/8 (not `127.evil.example`), or `[::1]`. */
export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name === '[::1]' || IPV4_LOOPBACK.test(name);
}

/**
 * Which `Host` names a server answers to: the loopback names always (a rebinding page can only bring a name its
 * attacker controls, never `localhost` or an address), plus the configured ones; `*` accepts any (a deployment
 * with tokens behind a proxy that checks names itself).
 */
export class HostNames {
  private readonly names: ReadonlySet<string>;
  readonly any: boolean;

  constructor(configured: readonly string[]) {
    this.any = configured.includes('*');
    const names = configured.filter((n) => n !== '*').map((n) => hostName(n) ?? n.toLowerCase());
    this.names = new Set(names);
  }

  /** `hostHeader` names this server (its port is not checked: the socket already chose it). */
  accepts(hostHeader: string | undefined): boolean {
    if (this.any) return true;
    const name = hostName(hostHeader);
    if (name === undefined) return false;
    return isLoopbackName(name) || this.names.has(name);
  }
}

/**
 * The `Origin` rule for upgrades and writes: no Origin (not a browser) passes; a page served by this very host
 * (Origin's host:port = the request's `Host`, which {@link HostNames} already vetted) passes; otherwise the
 * Origin must be one of `allowed` (scheme://host[:port], compared exactly after URL normalisation).
 */
export class AllowedOrigins {
  private readonly origins: ReadonlySet<string>;

  constructor(allowed: readonly string[]) {
    this.origins = new Set(allowed.flatMap((o) => normalisedOrigin(o) ?? []));
  }

  accepts(origin: string | undefined, hostHeader: string | undefined): boolean {
    if (origin === undefined || origin === '') return true;
    const normalised = normalisedOrigin(origin);
    if (normalised === undefined) return false;
    if (hostHeader !== undefined && new URL(normalised).host === hostHeader.trim().toLowerCase()) return true;
    return this.origins.has(normalised);
  }
}

/** `scheme://host[:port]` as URL serialises it (default ports dropped, lower case); undefined if not a URL. */
export function normalisedOrigin(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    return u.origin === 'null' ? undefined : u.origin;
  } catch {
    return undefined;
  }
}
