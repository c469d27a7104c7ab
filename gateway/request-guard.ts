import { AllowedOrigins, HostNames } from '../shared/http-origin.js';

/*
 * The gateway's DNS-rebinding defence (SPEC §8), for REST routes and WebSocket upgrades alike: only configured
 * `Host` names (loopback names by default), and on upgrades and writes only the gateway's own pages or the
 * configured Origins. The rules themselves are shared with the dashboard (shared/http-origin.ts).
 */

/** Why a request was refused (the `reason` label of the refusal counters). */
export type GuardRefusal = 'host' | 'origin';

/** What the guard needs from a request, copied out of uWS's request object. */
export interface GuardFacts {
  /** Lower case, as uWS's getMethod() gives it; 'get' for an upgrade. */
  readonly method: string;
  readonly host: string;
  readonly origin: string;
  readonly upgrade: boolean;
}

/** Methods that change something: a cross-site page must not be able to send them. */
const WRITES = new Set(['post', 'put', 'delete', 'patch']);

export class RequestGuard {
  private readonly hosts: HostNames;
  private readonly origins: AllowedOrigins;

  constructor(options: { readonly hosts: readonly string[]; readonly origins: readonly string[] }) {
    this.hosts = new HostNames(options.hosts);
    this.origins = new AllowedOrigins(options.origins);
  }

  /** undefined when the request may go on, else why not. */
  check(req: GuardFacts): GuardRefusal | undefined {
    if (!this.hosts.accepts(req.host)) return 'host';
    if ((req.upgrade || WRITES.has(req.method)) && !this.origins.accepts(req.origin, req.host))
      return 'origin';
    return undefined;
  }
}

/** The refusal's HTTP status, error code and message (JSON body `{"error", "message"}`). */
export function guardRefusalReply(reason: GuardRefusal): {
  readonly status: number;
  readonly code: string;
  readonly message: string;
} {
  return reason === 'host'
    ? { status: 421, code: 'unknown_host', message: 'this gateway does not answer to that Host name' }
    : { status: 403, code: 'forbidden_origin', message: 'requests from that Origin are not accepted' };
}
