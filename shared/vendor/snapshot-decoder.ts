import { VendorPayloadError } from './errors.js';
import {
  REJECT_REASONS,
  SNAPSHOT_FIELDS,
  type RejectReason,
  type SnapshotColumns,
  type SnapshotField,
} from './snapshot-columns.js';
import { VENDOR_ERROR_STATUSES } from './snapshot-schema.js';

/*
 * Design note: the full-market snapshot decoder (docs/architecture.md, "Decode off the hot thread").
 *
 * Measured by `bench/run.ts` (decode section) on a 12,000-ticker, 6.1 MB vendor-shaped body, Node 20, this
 * shared 2-core box; p50 over several runs, as multiples of a bare JSON.parse of the same text (≈ 40–55 ms):
 *   JSON.parse + zod per row (snapshot-schema.ts)   2.4–3.3×   why the hot path does not use zod per row
 *   JSON.parse + naive row objects                  1.07–1.10× and cloning those 12K objects back from a worker
 *                                                              costs another ≈ 1.0–1.2× on the receiving thread
 *   decodeSnapshot (this file), inline              1.05–1.13× (quiet standalone: parse 36–39 ms + rows 3.0 ms)
 *   through DecodePool, bytes in / text in          1.0–1.1× / 1.08–1.28× end to end, while the main thread is
 *                                                              busy only 0.7–1.1 ms / 2–4 ms per decode
 * JSON.parse is the floor and it moves to the worker; what is left on the main thread is the hand-off, hence
 * columns over one transferable ArrayBuffer plus one string of symbols (workers/decode-worker.ts).
 *
 * Choices:
 *  - One pass, no zod per row: a row is checked only on the keys the engine reads (SPEC §2), with `typeof`
 *    and comparisons the JIT inlines. Unknown or unused keys are ignored, as the loose zod schemas do. The
 *    envelope is checked like FullMarketSnapshotSchema's: an object, a non-error `status`, `tickers` an
 *    array or null.
 *  - Nothing is allocated per kept row. Allocating while the freshly parsed tree (~20 MB) is still live in the
 *    young generation risks a scavenge that copies it: the first version's `Set<string>` for duplicates (and
 *    push() growth) made the row pass 5–20 ms on a fresh body, against 3.4 ms now — see {@link symbolHash}.
 *  - Values are written straight into the columns at the next free row; a rejected row does not advance the
 *    row counter and is overwritten by the next one, so there is no per-row staging object.
 *  - All twelve columns are views over ONE ArrayBuffer (column k at k × rows), allocated once at the row
 *    count and cut to the kept count with `subarray` (no copy). One buffer means one transfer-list entry.
 *  - The failure detail (which key was bad) is computed only for the first few rejections kept as samples,
 *    so a feed full of bad rows costs no string building.
 *  - `null` for a whole sub-object (`"lastQuote": null`) counts as absent, as the engine's SnapshotRowInput
 *    does; a leaf that is present must be a finite number ≥ 0 (`null`, strings, negatives, `1e999` → bad_number).
 *  - Duplicates: the first row that passes every other check wins; later rows with the same ticker are
 *    `duplicate_ticker`. A bad first copy therefore does not hide a good second one.
 *  - Nanosecond timestamps (`updated`) stay plain numbers, rounded to 256 ns by JSON.parse (see
 *    NsTimestampSchema): good for ordering and ms arithmetic, not for identity.
 */

/**
 * Vendor ticker symbols: an upper-case letter, then up to 14 of `A–Z 0–9 . -`. This admits share classes and
 * suffixes as the vendor writes them (`BRK.A`, `BF-B`, warrants/units like `ACAHW`, `ACAHU`) and rejects
 * lower case, spaces and control characters — which also keeps '\n' out, so the worker can join symbols
 * with it. A real vendor symbol outside it would show up as `bad_symbol` in the samples: widen the pattern
 * then, on purpose. The decoder checks it by hand in {@link symbolHash}, which hashes in the same loop.
 */
export const VENDOR_SYMBOL_PATTERN = /^[A-Z][A-Z0-9.-]{0,14}$/;

/**
 * FNV-1a of `s` as a non-negative 31-bit integer when `s` matches {@link VENDOR_SYMBOL_PATTERN}, else -1.
 *
 * Why by hand: on a freshly parsed 12K-row body, `regex.test` + a `Set<string>` for duplicates cost ≈ 1 ms +
 * ≈ 3 ms when nothing else interferes, and up to 15 ms when the Set's growth triggered a scavenge of the
 * live parse tree. One char loop that validates and hashes, feeding an open-addressing table sized once
 * (off-heap Int32Array), does both in about 1 ms and allocates nothing per row.
 */
export function symbolHash(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15) return -1;
  let c = s.charCodeAt(0);
  if (c < 65 || c > 90) return -1;
  let h = Math.imul(0x811c9dc5 ^ c, 0x01000193);
  for (let i = 1; i < n; i++) {
    c = s.charCodeAt(i);
    // A–Z, 0–9, '.', '-'
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45)) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 1;
}

/** How many rejections are kept with their detail for the log. */
export const MAX_REJECT_SAMPLES = 5;

type Sample = SnapshotColumns['rejectedSamples'][number];
type Raw = Record<string, unknown>;

/*
 * Set by `leaf`/`part` when a value is present but unusable; reset per row. A flag instead of a sentinel
 * return keeps the row pass to one write per field and one test per row.
 */
let unusable = false;

/** A used numeric leaf: NaN when absent; a finite number ≥ 0, or it flags the row. */
function leaf(v: unknown): number {
  if (v === undefined) return NaN;
  if (typeof v === 'number' && v >= 0 && v < Infinity) return v;
  unusable = true;
  return NaN;
}

/** A sub-object: undefined when absent or null; anything but a plain object flags the row. */
function part(v: unknown): Raw | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && !Array.isArray(v)) return v as Raw;
  unusable = true;
  return undefined;
}

/** The keys a row is checked on: [sub-object or '' for the row itself, key]. */
const USED: readonly (readonly [string, string])[] = [
  ['lastTrade', 'p'],
  ['min', 'c'],
  ['min', 'av'],
  ['day', 'o'],
  ['day', 'h'],
  ['day', 'l'],
  ['day', 'c'],
  ['day', 'v'],
  ['day', 'vw'],
  ['prevDay', 'c'],
  ['lastQuote', 'p'],
  ['lastQuote', 'P'],
  ['', 'updated'],
];

/** Why a row failed the number check, e.g. `day.c: -1` (slow path: samples only). */
function badNumberDetail(row: Raw): string {
  for (const [sub, key] of USED) {
    unusable = false;
    const holder = sub === '' ? row : part(row[sub]);
    if (unusable) return `${sub}: not an object (${JSON.stringify(row[sub])})`;
    if (holder === undefined) continue;
    const value = holder[key];
    leaf(value);
    // String() for numbers: JSON.stringify would print Infinity (from `1e999`) as null.
    const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
    if (unusable) return `${sub === '' ? key : `${sub}.${key}`}: ${shown}`;
  }
  return 'bad number';
}

/** Allocates the twelve columns as views over one transferable ArrayBuffer of `rows` entries each. */
function allocateColumns(rows: number): Float64Array[] {
  const buffer = new ArrayBuffer(rows * SNAPSHOT_FIELDS.length * Float64Array.BYTES_PER_ELEMENT);
  return SNAPSHOT_FIELDS.map(
    (_, k) => new Float64Array(buffer, k * rows * Float64Array.BYTES_PER_ELEMENT, rows),
  );
}

function checkEnvelope(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new VendorPayloadError('invalid full-market snapshot: body is not a JSON object', {
      path: '(root)',
      detail: Array.isArray(body) ? 'array' : body === null ? 'null' : typeof body,
    });
  }
  const { status, tickers } = body as Raw;
  if (typeof status !== 'string' || VENDOR_ERROR_STATUSES.includes(status)) {
    // An error body (`{"status":"NOT_AUTHORIZED",…}`) must never read as "the market is empty".
    const detail =
      typeof status === 'string'
        ? `vendor error status ${status}`
        : status === undefined
          ? 'missing status'
          : 'status is not a string';
    throw new VendorPayloadError(`invalid full-market snapshot: ${detail}`, { path: 'status', detail });
  }
  if (tickers === null) return [];
  if (!Array.isArray(tickers)) {
    const detail = tickers === undefined ? 'missing tickers' : `tickers is ${typeof tickers}, not an array`;
    throw new VendorPayloadError(`invalid full-market snapshot: ${detail}`, { path: 'tickers', detail });
  }
  return tickers;
}

/** Decodes the text of a full-market snapshot response. Throws VendorPayloadError on bad JSON or envelope. */
export function decodeSnapshot(text: string): SnapshotColumns {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    const detail = (err as Error).message;
    throw new VendorPayloadError(`invalid full-market snapshot: not JSON (${detail})`, {
      detail,
      cause: err,
    });
  }
  return decodeSnapshotValue(body);
}

/**
 * Decodes an already-parsed full-market snapshot body into columns. Bad rows are left out and counted by
 * reason (never thrown); a bad envelope throws VendorPayloadError.
 */
export function decodeSnapshotValue(body: unknown): SnapshotColumns {
  const rows = checkEnvelope(body);
  const n = rows.length;
  const columns = allocateColumns(n);
  // Locals rather than a record lookup per write: this loop runs 12K times per snapshot.
  const [lastTradeP, minC, minAv, dayO, dayH, dayL, dayC, dayV, dayVw, prevDayC, bidP, askP, updatedNs] =
    columns;
  // Sized once: growing it by push() would allocate while the whole parsed tree is still live in the young
  // generation, and a scavenge then has to copy that tree (several ms).
  const symbols = new Array<string>(n);
  // Kept rows by symbol hash, open addressing with linear probing: row + 1, 0 = empty. Load factor ≤ 0.5.
  const table = new Int32Array(2 ** Math.ceil(Math.log2(2 * n + 2)));
  const mask = table.length - 1;
  const rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  const samples: Sample[] = [];
  const reject = (index: number, ticker: string | null, reason: RejectReason, detail: () => string) => {
    rejected[reason]++;
    if (samples.length < MAX_REJECT_SAMPLES) samples.push({ index, ticker, reason, detail: detail() });
  };

  let count = 0;
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      reject(i, null, 'bad_symbol', () => `row is not an object (${JSON.stringify(row)})`);
      continue;
    }
    const r = row as Raw;
    const ticker = r.ticker;
    if (typeof ticker !== 'string') {
      reject(i, null, 'bad_symbol', () => `ticker: ${JSON.stringify(ticker) ?? 'missing'}`);
      continue;
    }
    const hash = symbolHash(ticker);
    if (hash < 0) {
      reject(i, ticker, 'bad_symbol', () => `ticker: ${JSON.stringify(ticker)}`);
      continue;
    }

    // Written in place at the next free row: a rejected row does not advance `count` and is overwritten.
    unusable = false;
    const trade = part(r.lastTrade);
    const min = part(r.min);
    const day = part(r.day);
    const prev = part(r.prevDay);
    const quote = part(r.lastQuote);
    const tp = (lastTradeP![count] = trade === undefined ? NaN : leaf(trade.p));
    const mc = (minC![count] = min === undefined ? NaN : leaf(min.c));
    minAv![count] = min === undefined ? NaN : leaf(min.av);
    dayO![count] = day === undefined ? NaN : leaf(day.o);
    dayH![count] = day === undefined ? NaN : leaf(day.h);
    dayL![count] = day === undefined ? NaN : leaf(day.l);
    const dc = (dayC![count] = day === undefined ? NaN : leaf(day.c));
    dayV![count] = day === undefined ? NaN : leaf(day.v);
    dayVw![count] = day === undefined ? NaN : leaf(day.vw);
    const pc = (prevDayC![count] = prev === undefined ? NaN : leaf(prev.c));
    bidP![count] = quote === undefined ? NaN : leaf(quote.p);
    askP![count] = quote === undefined ? NaN : leaf(quote.P);
    updatedNs![count] = leaf(r.updated);
    if (unusable) {
      reject(i, ticker, 'bad_number', () => badNumberDetail(r));
      continue;
    }
    // NaN > 0 is false, so absent prices fall through.
    if (!(tp > 0 || mc > 0 || dc > 0 || pc > 0)) {
      reject(i, ticker, 'no_price', () => 'no positive lastTrade.p, min.c, day.c or prevDay.c');
      continue;
    }
    let slot = hash & mask;
    let kept = table[slot]!;
    while (kept !== 0 && symbols[kept - 1] !== ticker) {
      slot = (slot + 1) & mask;
      kept = table[slot]!;
    }
    if (kept !== 0) {
      reject(i, ticker, 'duplicate_ticker', () => `duplicate of ${ticker}, kept as output row ${kept - 1}`);
      continue;
    }
    table[slot] = count + 1;
    symbols[count++] = ticker;
  }

  symbols.length = count;
  const fields = {} as Record<SnapshotField, Float64Array>;
  SNAPSHOT_FIELDS.forEach((f, k) => (fields[f] = columns[k]!.subarray(0, count)));
  return { count, symbols, fields, rejected, rejectedSamples: samples };
}
