import { MarketCalendar } from '../market/calendar.js';
import type { ScanLine } from '../protocol/messages.js';
import { ScanEngine, type ScanOutcome } from '../scan/engine.js';
import type { ScannerFilter } from '../scan/filters-schema.js';
import { VolumeHistory, type VolumeSlot } from '../scan/history.js';
import type { TickerMetadata } from '../scan/metadata.js';
import { DEFAULT_SCAN_SETTINGS, type ScanSettings } from '../scan/settings.js';
import type { ScanDefinition } from '../scan/scan-definition.js';
import { ReplayInputError } from './errors.js';
import { parseRecordingLineAt } from './recording.js';

/** The epoch of every replayed message: a literal, so two runs are byte-identical (SPEC §10). */
export const REPLAY_EPOCH = 'replay';

export interface ReplayOptions {
  /** The recording's lines, in file order. */
  readonly lines: AsyncIterable<string> | Iterable<string>;
  readonly file?: string;
  readonly history?: readonly VolumeSlot[];
  readonly metadata?: readonly TickerMetadata[];
  readonly filters?: readonly ScannerFilter[];
  /** User-defined scans (SPEC §10 `--scans`): each published as `scan:<its id>` after the 11 lists. */
  readonly scans?: readonly ScanDefinition[];
  readonly settings?: ScanSettings;
  readonly calendar?: MarketCalendar;
  /** Also emit one `scan` line with every ranked row per scan. */
  readonly rows?: boolean;
  /** Stop before the first event after this instant (epoch ms). */
  readonly until?: number;
  /** Count bad lines and rows and go on instead of stopping at the first. */
  readonly skipBad?: boolean;
  /** Receives each output line (without the newline). */
  readonly write: (line: string) => void;
  /** Called after each scan, e.g. for progress or a final table. */
  readonly onScan?: (outcome: ScanOutcome, lineNumber: number) => void;
}

export interface ReplaySummary {
  events: number;
  scans: number;
  messages: number;
  /** `alert` lines written (SPEC §14). */
  alerts: number;
  /** Bad lines and rows skipped under `skipBad`, with where and why. */
  skipped: string[];
  /** Snapshot rows with no usable price (SPEC §2: counted, ticker keeps its state). */
  noPriceRows: number;
}

/**
 * Runs the scanner over a recording without Redis or PostgreSQL: every event is applied, then one full scan
 * at the event's instant; the scan's messages are written in publication order with `ts` = the event's `at`,
 * exactly as the line wrote it.
 */
export async function runReplay(o: ReplayOptions): Promise<ReplaySummary> {
  const file = o.file ?? 'recording';
  const settings = o.settings ?? DEFAULT_SCAN_SETTINGS;
  const engine = new ScanEngine({
    calendar: o.calendar ?? new MarketCalendar(),
    settings,
    history: new VolumeHistory(o.history ?? []),
    metadata: o.metadata ?? [],
    filters: o.filters ?? [],
    newEpoch: () => REPLAY_EPOCH,
  });
  // Inline, with the orchestrator's evaluator: replay is single-threaded by design (SPEC §10).
  if (o.scans?.length)
    engine.setScans(
      o.scans,
      o.scans.map((s) => `scan:${s.id}` as const),
    );
  const summary: ReplaySummary = {
    events: 0,
    scans: 0,
    messages: 0,
    alerts: 0,
    skipped: [],
    noPriceRows: 0,
  };
  const bad = (line: number, reason: string) => {
    if (!o.skipBad) throw new ReplayInputError(file, line, reason);
    summary.skipped.push(`${file} line ${line}: ${reason}`);
  };

  let lineNumber = 0;
  let lastAt = -Infinity;
  for await (const text of o.lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    let event;
    try {
      event = parseRecordingLineAt(text, file, lineNumber);
    } catch (e) {
      if (!(e instanceof ReplayInputError) || !o.skipBad) throw e;
      summary.skipped.push(e.message);
      continue;
    }
    if (event.at < lastAt) {
      bad(
        lineNumber,
        `"at" ${new Date(event.at).toISOString()} is before the previous line's ${new Date(lastAt).toISOString()}`,
      );
      continue;
    }
    if (o.until !== undefined && event.at > o.until) break;
    lastAt = event.at;
    if (event.kind === 'snapshot') {
      for (const r of event.rejected) bad(lineNumber, r);
      summary.noPriceRows += engine.applySnapshot(event.at, event.tickers).noPrice;
      // A recording of a source that knows halts (the simulator) carries the halted set with each snapshot.
      if (event.halted) engine.setHalted(event.halted);
    } else {
      engine.applyAggregates(event.at, event.events);
    }
    summary.events++;

    const outcome = engine.scan(event.at, event.atText);
    summary.scans++;
    if (o.rows) {
      const line: ScanLine = {
        type: 'scan',
        ts: outcome.ts,
        session: outcome.clock.session,
        rows: outcome.ranked,
      };
      o.write(JSON.stringify(line));
    }
    for (const m of outcome.messages) o.write(JSON.stringify(m));
    for (const m of outcome.scanMessages) o.write(JSON.stringify(m));
    // SPEC §10/§14: the scan's alerts after its list messages, in their order (kind, symbol, list).
    for (const a of outcome.alerts) o.write(JSON.stringify(a));
    summary.messages += outcome.messages.length + outcome.scanMessages.length;
    summary.alerts += outcome.alerts.length;
    o.onScan?.(outcome, lineNumber);
  }
  return summary;
}
