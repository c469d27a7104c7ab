import { createHash, createHmac } from 'node:crypto';

/*
 * AWS Signature Version 4 for S3 requests (the vendor's flat files are an S3-compatible bucket, reference
 * §11), with node:crypto only: a GET or HEAD with an empty body needs the canonical request, the string to
 * sign and the HMAC chain, not an SDK. The fake vendor checks incoming signatures with the same functions;
 * sigv4.test.ts proves them against AWS's published example, so the two sides cannot agree on a wrong
 * signature.
 */

/** SHA-256 of the empty payload: every GET/HEAD signs it. */
export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface SigningRequest {
  readonly method: string;
  /** The path as sent on the wire (already URI-encoded, segment by segment). */
  readonly path: string;
  /** Query parameters, decoded. */
  readonly query: URLSearchParams;
  /** Header names in lower case; `host`, `x-amz-date` and `x-amz-content-sha256` must be among them. */
  readonly headers: Readonly<Record<string, string>>;
  /** Which of `headers` are signed (lower case); default all of them. */
  readonly signedHeaders?: readonly string[];
  readonly payloadSha256?: string;
}

export interface SigningKeys {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  readonly service?: string;
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-_.~` percent-encoded, upper-case hex. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** An S3 object key as a path: each segment encoded, the slashes kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(uriEncode).join('/');
}

/** `20130524T000000Z` from epoch ms. */
export function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function canonicalRequest(r: SigningRequest): string {
  const signed = [...(r.signedHeaders ?? Object.keys(r.headers))].map((h) => h.toLowerCase()).sort();
  const query = [...r.query.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signed.map((h) => `${h}:${(r.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [
    r.method.toUpperCase(),
    r.path === '' ? '/' : r.path,
    query,
    headers,
    signed.join(';'),
    r.payloadSha256 ?? EMPTY_PAYLOAD_SHA256,
  ].join('\n');
}

/** The request's signature (hex) for the credential scope of `date` (`YYYYMMDD`). */
export function signature(r: SigningRequest, keys: SigningKeys, amzDateText: string): string {
  const day = amzDateText.slice(0, 8);
  const scope = `${day}/${keys.region}/${keys.service ?? 's3'}/aws4_request`;
  const toSign = [ALGORITHM, amzDateText, scope, sha256Hex(canonicalRequest(r))].join('\n');
  let key: Buffer = hmac(`AWS4${keys.secretKey}`, day);
  for (const part of [keys.region, keys.service ?? 's3', 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(toSign).digest('hex');
}

/**
 * The headers that authenticate a GET/HEAD of `url` at `nowMs`: `x-amz-date`, `x-amz-content-sha256` and
 * `authorization` (add them to `extra`, which are signed too, e.g. `range`).
 */
export function signedHeaders(
  method: string,
  url: URL,
  keys: SigningKeys,
  nowMs: number,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const date = amzDate(nowMs);
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256,
    'x-amz-date': date,
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const request = { method, path: url.pathname, query: url.searchParams, headers };
  const names = Object.keys(headers).sort();
  const sig = signature(request, keys, date);
  const scope = `${date.slice(0, 8)}/${keys.region}/${keys.service ?? 's3'}/aws4_request`;
  return {
    ...headers,
    authorization: `${ALGORITHM} Credential=${keys.accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}`,
  };
}

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header; undefined when it is not one. */
export function parseAuthorization(header: string | undefined):
  | {
      accessKey: string;
      day: string;
      region: string;
      service: string;
      signedHeaders: string[];
      signature: string;
    }
  | undefined {
  const m =
    /^AWS4-HMAC-SHA256\s+Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(
      header?.trim() ?? '',
    );
  if (m === null) return undefined;
  return {
    accessKey: m[1]!,
    day: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
  };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
