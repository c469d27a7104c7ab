import { matchesDigest, secretDigest } from '../shared/secret-digest.js';
import type { HttpRequest } from './uws.js';

/**
 * The gateway's one token check, for WebSocket upgrades and HTTP routes alike (GATEWAY_TOKENS). A client gives
 * its token as `Authorization: Bearer …` or, where a browser cannot set headers (WebSocket, a link to the
 * page), as `?token=…`.
 */
export class TokenCheck {
  private readonly digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(secretDigest);
  }

  /** false when no tokens are configured (loopback-only deployments, see shared/config.ts). */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  accepts(token: string | undefined): boolean {
    if (!this.enabled) return true;
    if (token === undefined || token === '') return false;
    // Every digest is compared, so the time taken does not tell which token nearly matched.
    let ok = false;
    for (const d of this.digests) ok = matchesDigest(d, token) || ok;
    return ok;
  }
}

/** The token a request carries (query first: a browser's WebSocket cannot send headers). */
export function requestToken(req: HttpRequest): string | undefined {
  const fromQuery = new URLSearchParams(req.getQuery() ?? '').get('token');
  if (fromQuery !== null) return fromQuery;
  return /^Bearer\s+(.+)$/i.exec(req.getHeader('authorization'))?.[1];
}

/**
 * Who owns what a token saves or defines (saved scans, SCANS_PER_TOKEN): the hex SHA-256 of the token, so the
 * token itself is never stored. Without authentication every client is the owner of the empty token.
 */
export function tokenOwner(token: string | undefined): string {
  return secretDigest(token ?? '').toString('hex');
}
