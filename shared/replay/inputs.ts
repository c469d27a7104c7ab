import { z } from 'zod';
import { parseFilterList, type ScannerFilter, InvalidFilterError } from '../scan/filters-schema.js';
import type { VolumeSlot } from '../scan/history.js';
import type { TickerMetadata } from '../scan/metadata.js';
import { ReplayInputError } from './errors.js';

/**
 * Readers of replay's side inputs (SPEC §10): volume history CSV, metadata JSON, filters JSON. Each error
 * names the file and the line (or array element) at fault.
 */

const HISTORY_HEADER = 'symbol,date,slot,cum_volume';
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SYMBOL = /^[A-Za-z0-9.\-:/]{1,20}$/;

export function parseHistoryCsv(text: string, file = 'history'): VolumeSlot[] {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== HISTORY_HEADER) {
    throw new ReplayInputError(file, 1, `expected the header "${HISTORY_HEADER}"`);
  }
  const rows: VolumeSlot[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const parts = line.split(',');
    const fail = (why: string) => new ReplayInputError(file, i + 1, `${why}: "${line}"`);
    if (parts.length !== 4) throw fail('expected 4 comma-separated fields');
    const [symbol, date, slotText, volumeText] = parts as [string, string, string, string];
    if (!SYMBOL.test(symbol)) throw fail('bad symbol');
    if (!DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
      throw fail('bad date (want YYYY-MM-DD)');
    const slot = Number(slotText);
    if (!Number.isInteger(slot) || slot < 0 || slot > 191) throw fail('slot must be an integer 0..191');
    const cumVolume = Number(volumeText);
    if (volumeText === '' || !Number.isFinite(cumVolume) || cumVolume < 0)
      throw fail('cum_volume must be a number ≥ 0');
    rows.push({ symbol, date, slot, cumVolume });
  }
  return rows;
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

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : 1;
    throw new ReplayInputError(file, line, `not JSON (${(e as Error).message})`);
  }
}

/** Line of the `index`-th top-level array element, for error messages. */
function lineOfElement(text: string, index: number): number {
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

export function parseMetadataJson(text: string, file = 'metadata'): TickerMetadata[] {
  const value = parseJson(text, file);
  if (!Array.isArray(value)) throw new ReplayInputError(file, 1, 'expected a JSON array of metadata objects');
  return value.map((item, index) => {
    const r = tickerMetadataSchema.safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new ReplayInputError(
        file,
        lineOfElement(text, index),
        `element ${index}: ${issue.path.join('.')}: ${issue.message}`,
      );
    }
    return r.data;
  });
}

export function parseFiltersJson(text: string, file = 'filters'): ScannerFilter[] {
  const value = parseJson(text, file);
  try {
    return parseFilterList(value, `in ${file}`);
  } catch (e) {
    if (!(e instanceof InvalidFilterError)) throw e;
    const index = Number(/^(\d+)\./.exec(e.issues[0] ?? '')?.[1] ?? 0);
    throw new ReplayInputError(file, lineOfElement(text, index), e.issues.join('; '));
  }
}
