import type { Logger } from '../shared/logger.js';
import { requestToken, type TokenCheck } from './auth.js';
import { guardRefusalReply, type GuardRefusal, type RequestGuard } from './request-guard.js';
import type { HttpRequest, HttpResponse } from './uws.js';

/**
 * Small HTTP plumbing over uWS for the gateway's routes: a handler sees a plain request (uWS's request object
 * is only valid until the handler's first await, so everything is copied out first), returns a reply or
 * throws an {@link HttpError}, and this module writes it — once, corked, and never after the client aborted.
 */

export interface Request {
  readonly method: string;
  readonly url: string;
  readonly query: URLSearchParams;
  /** Route parameters (`:name`), in order. */
  readonly params: readonly string[];
  /** The token the request carried (query or bearer), undefined without one: whose saved scans it sees. */
  readonly token: string | undefined;
  /** The JSON body, parsed; rejects with a 400/413 HttpError. Only for routes registered with a body limit. */
  json(): Promise<unknown>;
}

export interface Reply {
  readonly status: number;
  /** A string is sent as is (already JSON); anything else is serialised. Omitted for 204. */
  readonly body?: unknown;
  readonly contentType?: string;
}

/** An expected failure: answered with its status and `{"error": code, "message": …}`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: readonly string[],
  ) {
    super(message);
  }
}

export type Handler = (req: Request) => Reply | Promise<Reply>;

export interface RouteOptions {
  readonly logger: Logger;
  /** When enabled, the request must carry an accepted token (401 otherwise). */
  readonly auth?: TokenCheck;
  /** Number of `:param` segments in the pattern. */
  readonly params?: number;
  /** Largest accepted body in bytes; routes without one never read a body. */
  readonly maxBodyBytes?: number;
  /** Host and Origin rules (DNS rebinding), checked before the token. */
  readonly guard?: RequestGuard;
  /** Called with each request the guard refused (metrics). */
  readonly onRefused?: (reason: GuardRefusal) => void;
  /** Called with each answered request (metrics). */
  readonly onReply?: (status: number) => void;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A uWS route handler running `handler`, with auth, body reading, error mapping and abort safety. */
export function route(
  handler: Handler,
  options: RouteOptions,
): (res: HttpResponse, req: HttpRequest) => void {
  return (res, uwsReq) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const send = (reply: Reply) => {
      if (aborted) return;
      options.onReply?.(reply.status);
      write(res, reply);
    };
    const refused = options.guard?.check({
      method: uwsReq.getMethod(),
      host: uwsReq.getHeader('host'),
      origin: uwsReq.getHeader('origin'),
      upgrade: false,
    });
    if (refused !== undefined) {
      options.onRefused?.(refused);
      const r = guardRefusalReply(refused);
      return send(errorReply(new HttpError(r.status, r.code, r.message)));
    }
    const token = requestToken(uwsReq);
    if (options.auth?.enabled && !options.auth.accepts(token)) {
      return send(errorReply(new HttpError(401, 'unauthorized', 'missing or wrong token')));
    }
    const body = options.maxBodyBytes === undefined ? undefined : readBody(res, options.maxBodyBytes);
    // A handler that never reads the body must not leave an unhandled rejection behind (413 on a DELETE).
    body?.catch(() => undefined);
    const contentType = uwsReq.getHeader('content-type');
    const req: Request = {
      method: uwsReq.getCaseSensitiveMethod(),
      url: uwsReq.getUrl(),
      query: new URLSearchParams(uwsReq.getQuery() ?? ''),
      params: Array.from({ length: options.params ?? 0 }, (_, i) => uwsReq.getParameter(i) ?? ''),
      token,
      json: async () => {
        if (!body) throw new Error('route registered without maxBodyBytes');
        if (!/^application\/json\b/i.test(contentType)) {
          throw new HttpError(415, 'bad_request', 'the body must be application/json');
        }
        const bytes = await body;
        try {
          return JSON.parse(bytes.toString('utf8')) as unknown;
        } catch {
          throw new HttpError(400, 'bad_request', 'the body is not JSON');
        }
      },
    };
    void (async () => {
      try {
        send(await handler(req));
      } catch (err) {
        if (!(err instanceof HttpError)) options.logger.error({ err, url: req.url }, 'HTTP handler failed');
        send(errorReply(err));
      }
    })();
  };
}

export function errorReply(err: unknown): Reply {
  if (err instanceof HttpError) {
    const body: Record<string, unknown> = { error: err.code, message: err.message };
    if (err.details) body.details = err.details;
    return { status: err.status, body };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error (logged)' } };
}

export function write(res: HttpResponse, reply: Reply): void {
  const text =
    reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.cork(() => {
    res
      .writeStatus(`${reply.status} ${STATUS_TEXT[reply.status] ?? ''}`.trim())
      .writeHeader('content-type', reply.contentType ?? 'application/json')
      .writeHeader('cache-control', 'no-store')
      .end(text);
  });
}

/**
 * The request body, copied out of uWS's buffers (they are reused after each callback). Past `limit` bytes the
 * promise rejects with 413; the rest of the upload is ignored.
 */
function readBody(res: HttpResponse, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, 'bad_request', `the body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) resolve(Buffer.concat(chunks));
    });
  });
}

/** Answers a WebSocket upgrade with an HTTP error instead of 101 (`{"type":"error",…}`, as on the socket). */
export function refuseUpgrade(res: HttpResponse, status: string, code: string, message: string): void {
  res.cork(() => {
    res
      .writeStatus(status)
      .writeHeader('content-type', 'application/json')
      .end(JSON.stringify({ type: 'error', code, message }));
  });
}
