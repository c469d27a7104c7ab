import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { createLogger, type Logger } from '../logger.js';
import { encodeKeyPath, signedHeaders, type SigningKeys } from './sigv4.js';

/*
 * The vendor's flat files (reference §11): one gzipped CSV per dataset per trading day in an S3-compatible
 * bucket (`https://files.massive.com`, bucket `flatfiles`, path-style), with S3 access/secret keys of their
 * own. A minimal S3 client: ListObjectsV2 with continuation tokens, and GET streamed through gunzip and a
 * line-by-line CSV reader, so a day of minute aggregates (≈ 12,000 tickers, millions of rows) is never held
 * in memory. SigV4 signing is sigv4.ts (node:crypto); no SDK.
 */

/** The key of a day's stock minute aggregates: `us_stocks_sip/minute_aggs_v1/YYYY/MM/YYYY-MM-DD.csv.gz`. */
export function minuteAggsKey(date: string): string {
  return `${MINUTE_AGGS_PREFIX}${date.slice(0, 4)}/${date.slice(5, 7)}/${date}.csv.gz`;
}
export const MINUTE_AGGS_PREFIX = 'us_stocks_sip/minute_aggs_v1/';

/** A failed flat-files request: the HTTP status and S3's error code (`NoSuchKey`, `SignatureDoesNotMatch`…). */
export class FlatFilesError extends Error {
  override readonly name = 'FlatFilesError';
  /** HTTP status; undefined for a network failure, a timeout or an unreadable body. */
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
  }
}

export interface FlatObject {
  readonly key: string;
  readonly size: number;
  /** Without the quotes S3 puts around it. */
  readonly etag: string;
  readonly lastModified: string | undefined;
}

/** One row of a minute-aggregates file, as sent (prices as numbers, `windowStartMs` from the ns column). */
export interface MinuteAggRow {
  readonly ticker: string;
  readonly volume: number;
  readonly open: number;
  readonly close: number;
  readonly high: number;
  readonly low: number;
  readonly windowStartMs: number;
  readonly transactions: number;
}

export interface FlatFilesOptions {
  /** Default https://files.massive.com. */
  readonly url: string;
  /** Default flatfiles. */
  readonly bucket: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Signing region; S3-compatible endpoints accept us-east-1. */
  readonly region?: string;
  /**
   * No answer (headers) for this long, or no byte of the body for this long, fails the request. Default
   * 120 000 ms: a day's object can take a while to start at the vendor, and longer at the fake, which
   * builds it on first read.
   */
  readonly idleTimeoutMs?: number;
  readonly logger?: Logger;
  /** Epoch ms of the signature. */
  readonly now?: () => number;
}

const COLUMNS = ['ticker', 'volume', 'open', 'close', 'high', 'low', 'window_start', 'transactions'] as const;

export class FlatFilesClient {
  /** Requests made (list pages and objects), for the caller's counts. */
  requests = 0;
  private readonly base: string;
  private readonly keys: SigningKeys;
  private readonly idleTimeoutMs: number;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: FlatFilesOptions) {
    if (options.accessKey === '' || options.secretKey === '') {
      throw new FlatFilesError('flat files need FLATFILES_ACCESS_KEY and FLATFILES_SECRET_KEY');
    }
    this.base = options.url.replace(/\/+$/, '');
    new URL(this.base); // a bad URL fails here, not at the first request
    this.keys = {
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region ?? 'us-east-1',
    };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? createLogger('flat-files');
  }

  /** Every object under `prefix`, page by page (ListObjectsV2, `pageSize` ≤ 1000 a page, continuation tokens). */
  async *list(
    prefix: string,
    signal?: AbortSignal,
    pageSize = 1000,
  ): AsyncGenerator<FlatObject, void, undefined> {
    let token: string | undefined;
    do {
      const url = this.url('', {
        'list-type': '2',
        prefix,
        'max-keys': String(pageSize),
        ...(token ? { 'continuation-token': token } : {}),
      });
      const response = await this.send(url, signal);
      const xml = await this.text(response, url);
      const page = parseListXml(xml);
      for (const object of page.objects) yield object;
      token = page.truncated ? page.nextToken : undefined;
      if (page.truncated && token === undefined) {
        throw new FlatFilesError(`listing ${prefix}: truncated page without a continuation token`);
      }
    } while (token !== undefined);
  }

  /** The object's bytes, gunzipped, as lines (the first is the CSV header). */
  async *lines(key: string, signal?: AbortSignal): AsyncGenerator<string, void, undefined> {
    const url = this.url(encodeKeyPath(key));
    const response = await this.send(url, signal);
    if (response.body === null) throw new FlatFilesError(`GET ${key}: no body`, { status: response.status });
    const gunzip = createGunzip();
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    body.on('error', (err) => gunzip.destroy(err));
    // A body that stalls would hold the backfill forever: no byte for idleTimeoutMs breaks it off.
    let idle = setTimeout(() => body.destroy(new Error('body stalled')), this.idleTimeoutMs);
    body.on('data', () => {
      clearTimeout(idle);
      idle = setTimeout(() => body.destroy(new Error('body stalled')), this.idleTimeoutMs);
    });
    body.on('close', () => clearTimeout(idle));
    const reader = createInterface({ input: body.pipe(gunzip), crlfDelay: Infinity });
    try {
      for await (const line of reader) yield line;
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      throw new FlatFilesError(`GET ${key}: the body broke off or is not gzip (${describe(cause)})`, {
        status: response.status,
        cause,
      });
    } finally {
      clearTimeout(idle);
      reader.close();
      body.destroy();
    }
  }

  /**
   * The rows of a minute-aggregates object. A line that does not parse is counted in `rejected` (with the
   * first few kept as examples) and skipped; the header decides the column order.
   */
  async *minuteAggs(
    key: string,
    rejected: { count: number; examples: string[] },
    signal?: AbortSignal,
  ): AsyncGenerator<MinuteAggRow, void, undefined> {
    let index: Record<(typeof COLUMNS)[number], number> | undefined;
    for await (const line of this.lines(key, signal)) {
      if (line === '') continue;
      const cells = line.split(',');
      if (index === undefined) {
        index = headerIndex(cells, key);
        continue;
      }
      const row = parseRow(cells, index);
      if (row !== undefined) {
        yield row;
        continue;
      }
      rejected.count++;
      if (rejected.examples.length < 5) rejected.examples.push(line.slice(0, 200));
    }
    if (index === undefined) throw new FlatFilesError(`${key}: empty object (no CSV header)`);
  }

  private url(path: string, query: Record<string, string> = {}): URL {
    const url = new URL(`${this.base}/${this.options.bucket}${path === '' ? '' : `/${path}`}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  /** One signed GET; a non-2xx answer is a FlatFilesError with S3's code and message. */
  private async send(url: URL, signal: AbortSignal | undefined): Promise<Response> {
    this.requests++;
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new Error('timeout')), this.idleTimeoutMs);
    let response: Response;
    try {
      const headers = signedHeaders('GET', url, this.keys, this.now());
      delete headers.host; // fetch sets it (the same value, which the signature covers)
      response = await fetch(url, { headers, signal: controller.signal });
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      throw new FlatFilesError(`GET ${url.pathname}: ${describe(cause)}`, { cause });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    this.log.debug({ status: response.status, code, path: url.pathname }, 'flat files refused a request');
    throw new FlatFilesError(
      `GET ${url.pathname}${url.search}: HTTP ${response.status}${code ? ` ${code}` : ''}${message ? `: ${xmlText(message)}` : ''}`,
      { status: response.status, ...(code === undefined ? {} : { code }) },
    );
  }

  private async text(response: Response, url: URL): Promise<string> {
    try {
      return await response.text();
    } catch (cause) {
      throw new FlatFilesError(`GET ${url.pathname}: body broke off (${describe(cause)})`, {
        status: response.status,
        cause,
      });
    }
  }
}

/** ListObjectsV2's XML, read with patterns: the format is flat and fixed, a parser would be overkill. */
export function parseListXml(xml: string): {
  objects: FlatObject[];
  truncated: boolean;
  nextToken: string | undefined;
} {
  if (!/<ListBucketResult[\s>]/.test(xml)) {
    throw new FlatFilesError(`not a ListObjectsV2 answer: ${xml.slice(0, 120)}`);
  }
  const objects: FlatObject[] = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const body = m[1]!;
    const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
    const key = field('Key');
    if (key === undefined) throw new FlatFilesError('a listed object without a Key');
    objects.push({
      key: xmlText(key),
      size: Number(field('Size') ?? 0),
      etag: xmlText(field('ETag') ?? '').replace(/"/g, ''),
      lastModified: field('LastModified'),
    });
  }
  const token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1];
  return {
    objects,
    truncated: /<IsTruncated>true<\/IsTruncated>/.test(xml),
    nextToken: token === undefined ? undefined : xmlText(token),
  };
}

function xmlText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');
}

function headerIndex(cells: readonly string[], key: string): Record<(typeof COLUMNS)[number], number> {
  const names = cells.map((c) => c.trim().toLowerCase());
  const index = {} as Record<(typeof COLUMNS)[number], number>;
  for (const column of COLUMNS) {
    const at = names.indexOf(column);
    if (at < 0)
      throw new FlatFilesError(`${key}: the CSV header has no ${column} column (${cells.join(',')})`);
    index[column] = at;
  }
  return index;
}

function parseRow(
  cells: readonly string[],
  index: Record<(typeof COLUMNS)[number], number>,
): MinuteAggRow | undefined {
  const ticker = cells[index.ticker]?.trim() ?? '';
  const ns = cells[index.window_start]?.trim() ?? '';
  if (ticker === '' || !/^\d{7,}$/.test(ns)) return undefined;
  // ns → ms without going through a double: the value is ≈ 1.7e18, beyond 2^53.
  const windowStartMs = Number(ns.slice(0, -6));
  const volume = Number(cells[index.volume]);
  const row: MinuteAggRow = {
    ticker,
    volume,
    open: Number(cells[index.open]),
    close: Number(cells[index.close]),
    high: Number(cells[index.high]),
    low: Number(cells[index.low]),
    windowStartMs,
    transactions: Number(cells[index.transactions]),
  };
  return Number.isFinite(volume) && volume >= 0 ? row : undefined;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}
