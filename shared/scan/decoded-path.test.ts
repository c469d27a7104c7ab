import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engine } from '../../test/utils/market.js';
import { parseFiltersJson, parseHistoryCsv, parseMetadataJson } from '../replay/inputs.js';
import { parseRecordingLine } from '../replay/recording.js';
import { decodeSnapshotValue } from '../vendor/snapshot-decoder.js';

const sample = (f: string) => readFileSync(new URL(`../../samples/${f}`, import.meta.url), 'utf8');

describe('the decoded-columns path', () => {
  it('scans the sample day exactly like the parsed-rows path, message for message', () => {
    const inputs = {
      history: parseHistoryCsv(sample('history.csv')),
      metadata: parseMetadataJson(sample('metadata.json')),
      filters: parseFiltersJson(sample('filters.json')),
    };
    const rows = engine(inputs);
    const columns = engine(inputs);
    for (const line of sample('day.ndjson').split('\n')) {
      if (!line) continue;
      const event = parseRecordingLine(line);
      if (event.kind === 'aggregates') {
        rows.applyAggregates(event.at, event.events);
        columns.applyAggregates(event.at, event.events);
      } else {
        rows.applySnapshot(event.at, event.tickers);
        columns.applySnapshotColumns(
          event.at,
          decodeSnapshotValue((JSON.parse(line) as { snapshot: unknown }).snapshot),
        );
      }
      const a = rows.scan(event.at);
      const b = columns.scan(event.at);
      expect(JSON.stringify(b.messages)).toBe(JSON.stringify(a.messages));
      expect(JSON.stringify(b.ranked)).toBe(JSON.stringify(a.ranked));
    }
  });
});
