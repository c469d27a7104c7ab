import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { ReplayInputError } from '../../shared/replay/errors.js';
import { parseRecordingLineAt } from '../../shared/replay/recording.js';
import type { AggregateEvent } from '../../shared/vendor/aggregate-schema.js';
import type { FakeMarket, SnapshotBody, WantedAggregates } from './market.js';

/*
 * A SPEC §10 recording behind the fake vendor: at market instant t the REST snapshot is the last one recorded
 * at or before t (bytes as recorded, re-serialised), and the WebSocket streams each recorded aggregates line
 * once the clock passes its `at` — at the recorded pace from a start instant, `speed` times faster, or
 * stepped by a test. After the last line the market stays as it ended.
 *
 * A live 12,000-ticker day is tens of GB (a 6 MB snapshot every 5 s), so the file is not loaded: one pass
 * indexes each line's `at`, kind and byte range (the recorder writes `{"at":…,"snapshot":` first, so the
 * first bytes of a line suffice; other key orders fall back to parsing the line), and lines are read when
 * the clock reaches them. Bad lines fail with the file and line number, as the replay tool does.
 */

interface LineRef {
  readonly at: number;
  readonly offset: number;
  readonly length: number;
  /** 1-based, for error messages. */
  readonly line: number;
}

export interface RecordingMarketOptions {
  /** The market instant when the clock starts. Default the first line's `at`. */
  readonly start?: number;
  /** Recorded ms per wall ms; default 1 (the recorded pace). */
  readonly speed?: number;
  /** Replaces the clock (e.g. a test's ManualClock). */
  readonly now?: () => number;
  /** Wall clock of the default clock; default Date.now. */
  readonly wallNow?: () => number;
}

/** Enough of a line to read `{"at":"<ISO>","snapshot":` with any spacing. */
const HEAD_BYTES = 256;
const HEAD = /^\s*\{\s*"at"\s*:\s*"([^"]+)"\s*,\s*"(snapshot|aggregates)"\s*:/;
const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 1 << 20;
const EMPTY_SNAPSHOT: SnapshotBody = { status: 'OK', count: 0, tickers: [] };

export class RecordingMarket implements FakeMarket {
  readonly now: () => number;
  /** `at` of every snapshot line, in order. */
  readonly snapshotTimes: readonly number[];
  readonly firstAt: number;
  readonly lastAt: number;
  private readonly fd: number;
  private cachedSnapshot: { readonly index: number; readonly body: SnapshotBody } | undefined;

  /** Indexes `file` (one streaming pass) and opens it for reading. */
  static async open(file: string, options: RecordingMarketOptions = {}): Promise<RecordingMarket> {
    const fd = openSync(file, 'r');
    try {
      const index = await indexLines(file, fd);
      return new RecordingMarket(file, fd, index.snapshots, index.aggregates, options);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  private constructor(
    readonly file: string,
    fd: number,
    private readonly snapshots: readonly LineRef[],
    private readonly aggregates: readonly LineRef[],
    options: RecordingMarketOptions,
  ) {
    this.fd = fd;
    this.snapshotTimes = snapshots.map((s) => s.at);
    const first = Math.min(snapshots[0]?.at ?? Infinity, aggregates[0]?.at ?? Infinity);
    if (first === Infinity) throw new Error(`${file}: the recording has no events`);
    this.firstAt = first;
    this.lastAt = Math.max(snapshots.at(-1)?.at ?? -Infinity, aggregates.at(-1)?.at ?? -Infinity);
    if (options.now !== undefined) this.now = options.now;
    else {
      const wallNow = options.wallNow ?? Date.now;
      const wallStart = wallNow();
      const start = options.start ?? first;
      const speed = options.speed ?? 1;
      if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
      this.now = () => start + Math.floor((wallNow() - wallStart) * speed);
    }
  }

  snapshotAt(atMs: number): SnapshotBody {
    const index = lastAtOrBefore(this.snapshots, atMs);
    if (index < 0) return EMPTY_SNAPSHOT;
    if (this.cachedSnapshot?.index !== index) {
      const ref = this.snapshots[index]!;
      const line = JSON.parse(this.read(ref)) as { snapshot?: unknown };
      if (typeof line.snapshot !== 'object' || line.snapshot === null)
        throw new ReplayInputError(this.file, ref.line, '"snapshot" is not an object');
      this.cachedSnapshot = { index, body: line.snapshot as SnapshotBody };
    }
    return this.cachedSnapshot.body;
  }

  aggregatesBetween(fromMs: number, toMs: number, wanted: WantedAggregates): AggregateEvent[] {
    const out: AggregateEvent[] = [];
    for (let i = lastAtOrBefore(this.aggregates, fromMs) + 1; i < this.aggregates.length; i++) {
      const ref = this.aggregates[i]!;
      if (ref.at > toMs) break;
      for (const e of this.aggregateLine(ref)) {
        const symbols = wanted[e.ev];
        if (symbols === 'all' || symbols?.has(e.sym)) out.push(e);
      }
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Each line is read when the stream passes it, once: the stream's ranges never overlap. */
  private aggregateLine(ref: LineRef): readonly AggregateEvent[] {
    const parsed = parseRecordingLineAt(this.read(ref), this.file, ref.line);
    return parsed.kind === 'aggregates' ? parsed.events : [];
  }

  private read(ref: LineRef): string {
    const buffer = Buffer.alloc(ref.length);
    readSync(this.fd, buffer, 0, ref.length, ref.offset);
    return buffer.toString('utf8');
  }
}

/** Index of the last line with `at` ≤ ms, or -1. */
function lastAtOrBefore(lines: readonly LineRef[], ms: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lines[mid]!.at <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** One pass over the file: each non-blank line's kind, `at` and byte range; `at` must never go back. */
async function indexLines(
  file: string,
  fd: number,
): Promise<{ snapshots: LineRef[]; aggregates: LineRef[] }> {
  const snapshots: LineRef[] = [];
  const aggregates: LineRef[] = [];
  let line = 0;
  let lineStart = 0;
  let position = 0;
  let head: Buffer[] = [];
  let headLength = 0;
  let lastAt = -Infinity;

  const finish = (end: number) => {
    line++;
    const ref = { offset: lineStart, length: end - lineStart, line };
    const text = Buffer.concat(head).toString('utf8');
    if (ref.length <= HEAD_BYTES && text.trim() === '') return;
    const { at, kind } = classify(text) ?? classifyWhole(file, fd, ref);
    if (at < lastAt) throw new ReplayInputError(file, line, '`at` goes back in time');
    lastAt = at;
    (kind === 'snapshot' ? snapshots : aggregates).push({ ...ref, at });
  };

  for await (const chunk of createReadStream(file, {
    highWaterMark: READ_CHUNK_BYTES,
  }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, from);
      const end = newline === -1 ? chunk.length : newline;
      if (headLength < HEAD_BYTES) {
        const piece = chunk.subarray(from, Math.min(end, from + HEAD_BYTES - headLength));
        head.push(Buffer.from(piece));
        headLength += piece.length;
      }
      if (newline === -1) break;
      finish(position + newline);
      lineStart = position + newline + 1;
      head = [];
      headLength = 0;
      from = newline + 1;
    }
    position += chunk.length;
  }
  if (position > lineStart) finish(position);
  return { snapshots, aggregates };
}

function classify(head: string): { at: number; kind: 'snapshot' | 'aggregates' } | undefined {
  const match = HEAD.exec(head);
  if (match === null) return undefined;
  const at = Date.parse(match[1]!);
  return Number.isNaN(at) ? undefined : { at, kind: match[2] as 'snapshot' | 'aggregates' };
}

/** The slow path for a line whose keys come in another order: parse it whole. */
function classifyWhole(
  file: string,
  fd: number,
  ref: { offset: number; length: number; line: number },
): { at: number; kind: 'snapshot' | 'aggregates' } {
  const buffer = Buffer.alloc(ref.length);
  readSync(fd, buffer, 0, ref.length, ref.offset);
  let value: { at?: unknown; snapshot?: unknown; aggregates?: unknown };
  try {
    value = JSON.parse(buffer.toString('utf8')) as typeof value;
  } catch (e) {
    throw new ReplayInputError(file, ref.line, `not JSON (${(e as Error).message})`);
  }
  const at = typeof value.at === 'string' ? Date.parse(value.at) : NaN;
  const kind = 'snapshot' in value ? 'snapshot' : 'aggregates' in value ? 'aggregates' : undefined;
  if (Number.isNaN(at) || kind === undefined)
    throw new ReplayInputError(file, ref.line, 'expected {"at", "snapshot"} or {"at", "aggregates"}');
  return { at, kind };
}
