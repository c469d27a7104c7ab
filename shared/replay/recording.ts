import { z } from 'zod';
import { ReplayInputError } from './errors.js';
import { AggregateEventSchema, type AggregateEvent } from '../vendor/aggregate-schema.js';
import { describeZodError } from '../vendor/errors.js';
import { parseFullMarketSnapshot, type TickerSnapshot } from '../vendor/snapshot-schema.js';

/**
 * The recording format of SPEC §10: NDJSON, one event a line, in time order —
 * `{"at": ISO, "snapshot": <vendor full-market snapshot body>[, "halted": [symbols]]}` or `{"at": ISO, "aggregates": [<A/AM events>]}`.
 */
export type RecordingEvent = RecordedInstant &
  (
    | {
        readonly kind: 'snapshot';
        readonly tickers: readonly TickerSnapshot[];
        readonly rejected: readonly string[];
        /** The symbols halted at that instant, when the recorded source knew halts (the simulator); else absent. */
        readonly halted?: readonly string[];
      }
    | { readonly kind: 'aggregates'; readonly events: readonly AggregateEvent[] }
  );

/** When an event happened: as epoch ms for the clock, and as written, for the output's `ts` (SPEC §10). */
interface RecordedInstant {
  readonly at: number;
  /** The line's `at` exactly as written (`…:00Z` stays `…:00Z`). */
  readonly atText: string;
}

const isoInstant = z.iso.datetime({ offset: true });
const lineSchema = z.union([
  z.object({ at: isoInstant, snapshot: z.unknown(), halted: z.array(z.string()).optional() }).strict(),
  z.object({ at: isoInstant, aggregates: z.array(AggregateEventSchema) }).strict(),
]);

/** A line that is not a valid event; `reason` says why, without the line number (the reader adds it). */
export class BadRecordingLine extends Error {
  override readonly name = 'BadRecordingLine';
}

/**
 * Parses one recording line. A snapshot row of the wrong shape is returned in `rejected` (the live decoder
 * skips such rows too); the caller decides whether that is fatal.
 */
export function parseRecordingLine(text: string): RecordingEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BadRecordingLine(`not JSON (${(e as Error).message})`);
  }
  const r = lineSchema.safeParse(value);
  if (!r.success) {
    const { path, detail } = describeZodError(r.error);
    throw new BadRecordingLine(`expected {"at", "snapshot"} or {"at", "aggregates"}: ${path}: ${detail}`);
  }
  const atText = r.data.at;
  const at = Date.parse(atText);
  if ('aggregates' in r.data) return { kind: 'aggregates', at, atText, events: r.data.aggregates };
  let parsed: ReturnType<typeof parseFullMarketSnapshot>;
  try {
    parsed = parseFullMarketSnapshot(r.data.snapshot);
  } catch (e) {
    throw new BadRecordingLine((e as Error).message);
  }
  const rejected = parsed.rejected.map(
    (x) => `tickers[${x.index}]${x.ticker ? ` (${x.ticker})` : ''}: ${x.reason}`,
  );
  const halted = r.data.halted;
  return {
    kind: 'snapshot',
    at,
    atText,
    tickers: parsed.snapshot.tickers,
    rejected,
    ...(halted === undefined ? {} : { halted }),
  };
}

/** {@link parseRecordingLine} for a reader that knows where the line is: errors name the file and line. */
export function parseRecordingLineAt(text: string, file: string, line: number): RecordingEvent {
  try {
    return parseRecordingLine(text);
  } catch (e) {
    if (e instanceof BadRecordingLine) throw new ReplayInputError(file, line, e.message);
    throw e;
  }
}
