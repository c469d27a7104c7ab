import { z } from 'zod';
import {
  formatIssues,
  filterSchema,
  parseFilterList,
  type ScannerFilter,
  InvalidFilterError,
} from '../scan/filters-schema.js';
import { ISO_DATE_PATTERN } from '../market/ny-time.js';
import type { VolumeSlot } from '../scan/history.js';
import type { TickerMetadata } from '../scan/metadata.js';
import { ReplayInputError } from './errors.js';

/**
 * Readers of replay's side inputs (SPEC §10): volume history CSV, metadata JSON, filters JSON. Each error
 * names the file and the line (or array element) at fault.
 *
 * Given `onBad` (replay's `--skip-bad`), a reader reports each bad line or element there and goes on without
 * it instead of throwing: a bad history row or metadata element is left out, a bad filter is left out whole
 * (never half-applied, SPEC §4), and a file that is not a JSON array at all counts as one bad line and gives
 * nothing.
 */

/** Receives a bad line or element that `--skip-bad` skips. */
export type BadInputHandler = (error: ReplayInputError) => void;

/** Throws `error`, or hands it to `onBad` when skipping bad input. */
function reject(error: ReplayInputError, onBad: BadInputHandler | undefined): void {
  if (!onBad) throw error;
  onBad(error);
}

const HISTORY_HEADER = 'symbol,date,slot,cum_volume';
const SYMBOL = /^[A-Za-z0-9.\-:/]{1,20}$/;

/**
 * With `onBad`, a wrong header is reported and the rows are still read as `symbol,date,slot,cum_volume`, each
 * validated: a file whose columns are in another order then reports its rows rather than feeding them in.
 */
export function parseHistoryCsv(text: string, file = 'history', onBad?: BadInputHandler): VolumeSlot[] {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== HISTORY_HEADER) {
    reject(new ReplayInputError(file, 1, `expected the header "${HISTORY_HEADER}"`), onBad);
  }
  const rows: VolumeSlot[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const row = historyRow(line);
    if (typeof row === 'string') reject(new ReplayInputError(file, i + 1, `${row}: "${line}"`), onBad);
    else rows.push(row);
  }
  return rows;
}

/** One history line as a row, or why it is not one. */
function historyRow(line: string): VolumeSlot | string {
  const parts = line.split(',');
  if (parts.length !== 4) return 'expected 4 comma-separated fields';
  const [symbol, date, slotText, volumeText] = parts as [string, string, string, string];
  if (!SYMBOL.test(symbol)) return 'bad symbol';
  if (!ISO_DATE_PATTERN.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    return 'bad date (want YYYY-MM-DD)';
  const slot = Number(slotText);
  if (!Number.isInteger(slot) || slot < 0 || slot > 191) return 'slot must be an integer 0..191';
  const cumVolume = Number(volumeText);
  if (volumeText === '' || !Number.isFinite(cumVolume) || cumVolume < 0)
    return 'cum_volume must be a number ≥ 0';
  return { symbol, date, slot, cumVolume };
}

const nullableNumber = z.number().finite().nullable().default(null);
const nullableString = z.string().nullable().default(null);
export const tickerMetadataSchema = z
  .object({
    symbol: z.string().regex(SYMBOL),
    companyName: nullableString,
    exchange: nullableString,
    sector: nullableString,
    industry: nullableString,
    marketCap: nullableNumber,
    floatShares: nullableNumber,
    sharesOutstanding: nullableNumber,
    avgVolume30d: nullableNumber,
    avgVolume10d: nullableNumber,
    avgPrice30d: nullableNumber,
    beta: nullableNumber,
    isEtf: z.boolean().nullable().default(null),
    isActivelyTrading: z.boolean().nullable().default(null),
  })
  .strict() satisfies z.ZodType<TickerMetadata, unknown>;

export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : 1;
    throw new ReplayInputError(file, line, `not JSON (${(e as Error).message})`);
  }
}

/** Line of the `index`-th top-level array element, for error messages. */
export function lineOfElement(text: string, index: number): number {
  // Metadata files are written one object per line or pretty-printed; counting opening braces at depth 1
  // finds the element either way without a second parser.
  let depth = 0;
  let seen = -1;
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      if (depth === 1 && ++seen === index) return line;
      depth++;
    } else if (ch === ']' || ch === '}') depth--;
  }
  return 1;
}

/** The top-level JSON array of a side input, or undefined after reporting why there is none. */
function parseArray(
  text: string,
  file: string,
  what: string,
  onBad?: BadInputHandler,
): unknown[] | undefined {
  let value: unknown;
  try {
    value = parseJson(text, file);
  } catch (e) {
    if (!(e instanceof ReplayInputError)) throw e;
    reject(e, onBad);
    return undefined;
  }
  if (Array.isArray(value)) return value as unknown[];
  reject(new ReplayInputError(file, 1, `expected a JSON array of ${what}`), onBad);
  return undefined;
}

export function parseMetadataJson(
  text: string,
  file = 'metadata',
  onBad?: BadInputHandler,
): TickerMetadata[] {
  const value = parseArray(text, file, 'metadata objects', onBad) ?? [];
  const rows: TickerMetadata[] = [];
  value.forEach((item, index) => {
    const r = tickerMetadataSchema.safeParse(item);
    if (r.success) return void rows.push(r.data);
    const issue = r.error.issues[0]!;
    const reason = `element ${index}: ${issue.path.join('.')}: ${issue.message}`;
    reject(new ReplayInputError(file, lineOfElement(text, index), reason), onBad);
  });
  return rows;
}

export function parseFiltersJson(text: string, file = 'filters', onBad?: BadInputHandler): ScannerFilter[] {
  if (onBad) return parseFiltersSkippingBad(text, file, onBad);
  const value = parseJson(text, file);
  try {
    return parseFilterList(value, `in ${file}`);
  } catch (e) {
    if (!(e instanceof InvalidFilterError)) throw e;
    const index = Number(/^(\d+)\./.exec(e.issues[0] ?? '')?.[1] ?? 0);
    throw new ReplayInputError(file, lineOfElement(text, index), e.issues.join('; '));
  }
}

/** Filter by filter: an invalid one, or a second one with an id already taken, is reported and left out. */
function parseFiltersSkippingBad(text: string, file: string, onBad: BadInputHandler): ScannerFilter[] {
  const filters: ScannerFilter[] = [];
  const ids = new Set<number>();
  (parseArray(text, file, 'filters', onBad) ?? []).forEach((item, index) => {
    const r = filterSchema.safeParse(item);
    let issues: string[];
    if (!r.success) issues = formatIssues(r.error);
    else if (ids.has(r.data.id)) issues = [`id: duplicate filter id ${r.data.id}`];
    else {
      ids.add(r.data.id);
      filters.push(r.data);
      return;
    }
    const reason = issues.map((issue) => `${index}.${issue}`).join('; ');
    onBad(new ReplayInputError(file, lineOfElement(text, index), reason));
  });
  return filters;
}
