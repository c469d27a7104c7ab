import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGzip } from 'node:zlib';
import type { Logger } from '../../shared/logger.js';
import { addDays, nyTime, nyWallClockToUtcMs } from '../../shared/market/ny-time.js';
import type { Simulator } from '../../shared/sim/simulator.js';
import { minuteAggsKey } from '../../shared/vendor/flat-files.js';
import { parseAuthorization, signature } from '../../shared/vendor/sigv4.js';
import type { RestFault } from './rest-data.js';

/*
 * The vendor's flat files (reference §11) as an S3-compatible endpoint, path-style on the fake's own HTTP
 * server: `GET /{bucket}?list-type=2&prefix=…` (ListObjectsV2 XML, continuation tokens, `delimiter`),
 * `GET|HEAD /{bucket}/{key}` (with `Range`). One object per trading day,
 * `us_stocks_sip/minute_aggs_v1/YYYY/MM/YYYY-MM-DD.csv.gz`: the simulator's minute bars of every ticker
 * (the same bars as the REST aggregates), published at 11:00 New York the next calendar day, as the vendor's
 * are by then, for the last {@link LISTED_DAYS} days. Every request must carry a valid AWS SigV4 signature
 * by a configured access key: 403 `InvalidAccessKeyId` / `SignatureDoesNotMatch` / `AccessDenied` otherwise,
 * 404 `NoSuchKey` / `NoSuchBucket` for what does not exist. Test code only.
 *
 * An object is built on first read (≈ 0.6 ms a ticker plus the gzip: seconds for 12,000 tickers) and the
 * last few are kept; a listing shows the exact size of built objects and an estimate for the others.
 */

export const FAKE_FLATFILES_ACCESS_KEY = 'fake-access-key';
export const FAKE_FLATFILES_SECRET_KEY = 'fake-secret-key';
export const FAKE_FLATFILES_BUCKET = 'flatfiles';

/** How far back the bucket goes. */
const LISTED_DAYS = 730;
/** Minute of day (New York) of the next calendar day at which a day's file is published. */
const PUBLISH_MINUTE = 11 * 60;
const MAX_KEYS = 1000;
const KEPT_OBJECTS = 3;
const EST_BYTES_PER_TICKER = 9_000;

export type FlatFilesRoute = 'list' | 'get';

interface Built {
  readonly bytes: Buffer;
  readonly etag: string;
}

export interface FakeFlatFilesOptions {
  readonly simulator: Simulator;
  /** The market's instant: which days are published. */
  readonly now: () => number;
  /** access key → secret. Default {FAKE_FLATFILES_ACCESS_KEY: FAKE_FLATFILES_SECRET_KEY}. */
  readonly keys?: Readonly<Record<string, string>>;
  readonly bucket?: string;
  readonly logger?: Logger;
}

export class FakeFlatFiles {
  readonly bucket: string;
  /** Every request: route, key or prefix, status. */
  readonly requests: { route: FlatFilesRoute | 'unknown'; target: string; status?: number }[] = [];
  private readonly keys: Readonly<Record<string, string>>;
  private readonly built = new Map<string, Promise<Built>>();
  private readonly faults = new Map<FlatFilesRoute, RestFault[]>();
  /** Sizes of the objects built so far (a listing's `Size`). */
  private readonly sizes = new Map<string, number>();

  constructor(private readonly options: FakeFlatFilesOptions) {
    this.bucket = options.bucket ?? FAKE_FLATFILES_BUCKET;
    this.keys = options.keys ?? { [FAKE_FLATFILES_ACCESS_KEY]: FAKE_FLATFILES_SECRET_KEY };
  }

  /** Whether a request path is this bucket's. */
  owns(pathname: string): boolean {
    return pathname === `/${this.bucket}` || pathname.startsWith(`/${this.bucket}/`);
  }

  /** The next `times` requests to `route` get `fault` (status, delay, truncate, malformed). */
  inject(route: FlatFilesRoute, fault: RestFault, times = 1): void {
    const queue = this.faults.get(route) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(route, queue);
  }

  /** The gzipped CSV of `date`'s object, built if needed (also for measurements). */
  object(date: string): Promise<Built> {
    let p = this.built.get(date);
    if (p === undefined) {
      p = this.build(date);
      if (this.built.size >= KEPT_OBJECTS) this.built.delete(this.built.keys().next().value!);
      this.built.set(date, p);
      p.catch(() => this.built.delete(date));
    }
    return p;
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const key = decodeURIComponent(url.pathname.slice(this.bucket.length + 2));
    const route: FlatFilesRoute = key === '' ? 'list' : 'get';
    const record: (typeof this.requests)[number] = {
      route,
      target: key || (url.searchParams.get('prefix') ?? ''),
    };
    this.requests.push(record);
    const reply = (status: number, body: string | Buffer, headers: Record<string, string | number> = {}) => {
      record.status = status;
      if (res.destroyed) return;
      const payload = typeof body === 'string' ? Buffer.from(body) : body;
      res.writeHead(status, {
        'Content-Type': 'application/xml',
        'Content-Length': payload.length,
        'x-amz-request-id': requestId(),
        ...headers,
      });
      res.end(req.method === 'HEAD' ? undefined : payload);
    };
    const error = (status: number, code: string, message: string) =>
      reply(status, errorXml(code, message, key || url.pathname));

    const refusal = this.authenticate(req, rawPath, url);
    if (refusal !== undefined) return error(403, refusal[0], refusal[1]);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');

    const fault = this.faults.get(route)?.shift();
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'status')
      return reply(fault.status, fault.body, fault.headers as Record<string, string>);
    if (fault?.kind === 'malformed')
      return reply(200, route === 'list' ? '<ListBucketResult><Contents><Key>' : 'not gzip at all');

    if (route === 'list') return reply(200, this.listXml(url.searchParams));
    const date = this.dateOfKey(key);
    if (date === undefined) return error(404, 'NoSuchKey', 'The specified key does not exist.');
    let object: Built;
    try {
      object = await this.object(date);
    } catch (err) {
      this.options.logger?.error({ err, key }, 'fake flat files: building an object failed');
      return error(500, 'InternalError', 'We encountered an internal error. Please try again.');
    }
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    const size = object.bytes.length;
    const common = {
      'Content-Type': 'application/x-gzip',
      ETag: `"${object.etag}"`,
      'Last-Modified': new Date(publishedAt(date)).toUTCString(),
      'Accept-Ranges': 'bytes',
    };
    if (fault?.kind === 'truncate') {
      record.status = 200;
      res.writeHead(200, { ...common, 'Content-Length': size });
      res.write(object.bytes.subarray(0, Math.floor(size / 2)), () => res.destroy());
      return;
    }
    if (range === null) return reply(200, object.bytes, common);
    const start = range[1] === '' ? Math.max(0, size - Number(range[2])) : Number(range[1]);
    const end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(size - 1, Number(range[2]));
    if (start >= size || start > end)
      return error(416, 'InvalidRange', 'The requested range is not satisfiable');
    return reply(206, object.bytes.subarray(start, end + 1), {
      ...common,
      'Content-Range': `bytes ${start}-${end}/${size}`,
    });
  };

  /** [code, message] of the refusal, or undefined when the signature is right. */
  private authenticate(req: IncomingMessage, rawPath: string, url: URL): [string, string] | undefined {
    const auth = parseAuthorization(req.headers.authorization);
    if (auth === undefined) return ['AccessDenied', 'Access Denied'];
    const secret = this.keys[auth.accessKey];
    if (secret === undefined)
      return ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = req.headers[name];
      headers[name] = Array.isArray(value) ? value.join(',') : (value ?? '');
    }
    const date = headers['x-amz-date'] ?? '';
    const expected = signature(
      {
        method: req.method ?? 'GET',
        path: rawPath,
        query: url.searchParams,
        headers,
        signedHeaders: auth.signedHeaders,
        payloadSha256: headers['x-amz-content-sha256'] ?? '',
      },
      { accessKey: auth.accessKey, secretKey: secret, region: auth.region, service: auth.service },
      date,
    );
    if (!date.startsWith(auth.day) || expected !== auth.signature) {
      return [
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      ];
    }
    return undefined;
  }

  /** Trading days whose object is published at the market's now, newest last. */
  private publishedDates(): string[] {
    const now = this.options.now();
    const today = nyTime(now).date;
    const dates: string[] = [];
    const { calendar } = this.options.simulator;
    for (let date = addDays(today, -LISTED_DAYS); date <= today; date = addDays(date, 1)) {
      if (calendar.isTradingDay(date) && publishedAt(date) <= now) dates.push(date);
    }
    return dates;
  }

  private dateOfKey(key: string): string | undefined {
    const m = /^us_stocks_sip\/minute_aggs_v1\/\d{4}\/\d{2}\/(\d{4}-\d{2}-\d{2})\.csv\.gz$/.exec(key);
    const date = m?.[1];
    if (date === undefined || minuteAggsKey(date) !== key) return undefined;
    return this.publishedDates().includes(date) ? date : undefined;
  }

  private listXml(q: URLSearchParams): string {
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = Math.max(1, Math.min(MAX_KEYS, Number(q.get('max-keys') ?? MAX_KEYS) || MAX_KEYS));
    const after = q.has('continuation-token')
      ? Buffer.from(q.get('continuation-token') ?? '', 'base64url').toString('utf8')
      : (q.get('start-after') ?? '');
    // Objects, or the common prefixes the delimiter folds them into, in key order.
    const entries: { key: string; date?: string; prefix?: true }[] = [];
    const seen = new Set<string>();
    for (const date of this.publishedDates()) {
      const key = minuteAggsKey(date);
      if (!key.startsWith(prefix)) continue;
      const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
      if (cut < 0) entries.push({ key, date });
      else {
        const common = key.slice(0, cut + delimiter.length);
        if (!seen.has(common)) entries.push({ key: common, prefix: true });
        seen.add(common);
      }
    }
    const rest = entries.filter((e) => e.key > after);
    const page = rest.slice(0, maxKeys);
    const truncated = rest.length > page.length;
    const contents = page
      .map((e) => {
        if (e.prefix) return `<CommonPrefixes><Prefix>${xml(e.key)}</Prefix></CommonPrefixes>`;
        const size =
          this.sizes.get(e.date!) ?? this.options.simulator.universe.tickers.length * EST_BYTES_PER_TICKER;
        return (
          `<Contents><Key>${xml(e.key)}</Key><LastModified>${new Date(publishedAt(e.date!)).toISOString()}</LastModified>` +
          `<ETag>&quot;${this.etagOf(e.date!)}&quot;</ETag><Size>${size}</Size>` +
          `<StorageClass>STANDARD</StorageClass></Contents>`
        );
      })
      .join('');
    const next = truncated ? Buffer.from(page.at(-1)!.key).toString('base64url') : undefined;
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Name>${xml(this.bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount>` +
      `<MaxKeys>${maxKeys}</MaxKeys>${delimiter ? `<Delimiter>${xml(delimiter)}</Delimiter>` : ''}` +
      `<IsTruncated>${truncated}</IsTruncated>${contents}` +
      (q.has('continuation-token')
        ? `<ContinuationToken>${xml(q.get('continuation-token')!)}</ContinuationToken>`
        : '') +
      (next === undefined ? '' : `<NextContinuationToken>${next}</NextContinuationToken>`) +
      `</ListBucketResult>`
    );
  }

  /** A stable ETag per day: the content is a pure function of the simulator (seed, size) and the date. */
  private etagOf(date: string): string {
    const { seed, universe } = this.options.simulator;
    return createHash('md5')
      .update(`sim-minute-aggs/${seed}/${universe.tickers.length}/${date}`)
      .digest('hex');
  }

  /** The day's CSV: every ticker in symbol order, its minute bars in time order; window_start in ns. */
  private async build(date: string): Promise<Built> {
    const { simulator } = this.options;
    const started = performance.now();
    const gzip = createGzip({ level: 6 });
    const chunks: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise<void>((resolve, reject) => {
      gzip.on('end', resolve);
      gzip.on('error', reject);
    });
    gzip.write('ticker,volume,open,close,high,low,window_start,transactions\n');
    let rows = 0;
    let k = 0;
    for (const m of simulator.metadata()) {
      const bars = simulator.barsOf(m.symbol, date, { minutes: true })?.minutes ?? [];
      let text = '';
      for (const b of bars) text += `${m.symbol},${b.v},${b.o},${b.c},${b.h},${b.l},${b.t}000000,${b.n}\n`;
      rows += bars.length;
      if (!gzip.write(text)) await new Promise((resolve) => gzip.once('drain', resolve));
      // Let the server answer other requests while a big day builds.
      if (++k % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    gzip.end();
    await done;
    const bytes = Buffer.concat(chunks);
    this.sizes.set(date, bytes.length);
    this.options.logger?.info(
      { date, rows, bytes: bytes.length, ms: Math.round(performance.now() - started) },
      'fake flat files: object built',
    );
    return { bytes, etag: this.etagOf(date) };
  }
}

/** 11:00 New York the calendar day after `date`. */
function publishedAt(date: string): number {
  return nyWallClockToUtcMs(addDays(date, 1), PUBLISH_MINUTE);
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function errorXml(code: string, message: string, resource: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message>` +
    `<Resource>${xml(resource)}</Resource><RequestId>${requestId()}</RequestId></Error>`
  );
}

function requestId(): string {
  return createHash('md5').update(String(Math.random())).digest('hex').slice(0, 16).toUpperCase();
}
