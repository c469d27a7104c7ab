import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ListMessage } from '../../shared/protocol/messages.js';
import { summaryTable, type CaseResult } from './report.js';
import { seqGaps } from './services.js';

/* The fault suite's own checks (test/faults/*.fault.ts use them): they must see what they claim to see. */

const msg = (epoch: string, seq: number, prevSeq: number, list = 'winners'): ListMessage =>
  ({ type: 'snapshot', list, epoch, seq, prevSeq, ts: '2026-03-02T15:00:00.000Z', rows: [] }) as ListMessage;

describe('the fault suite checks', () => {
  it('finds a sequence gap within an epoch, and none across a new epoch or between lists', () => {
    expect(seqGaps([msg('a', 1, 0), msg('a', 2, 1), msg('a', 3, 2)])).toEqual([]);
    expect(seqGaps([msg('a', 1, 0), msg('a', 3, 2)])).toEqual(['winners: prevSeq 2 after seq 1']);
    expect(seqGaps([msg('a', 1, 0), msg('b', 1, 0)])).toEqual([]);
    expect(seqGaps([msg('a', 1, 0), msg('a', 1, 0, 'losers'), msg('a', 2, 1)])).toEqual([]);
  });

  it('prints one row per case in the summary table and counts the failures', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'faults-test-'));
    try {
      const file = path.join(dir, 'results.ndjson');
      const results: CaseResult[] = [
        { name: 'one', criterion: 'c1', figure: 'f1', pass: true },
        { name: 'two', criterion: 'c2', figure: 'f2', pass: false },
      ];
      writeFileSync(file, results.map((r) => `${JSON.stringify(r)}\n`).join(''));
      const table = summaryTable(file);
      expect(table).toMatch(/PASS\s+\| one\s+\| c1\s+\| f1/);
      expect(table).toMatch(/FAIL\s+\| two\s+\| c2\s+\| f2/);
      expect(table).toContain('1 passed, 1 failed');
      expect(summaryTable(path.join(dir, 'none'))).toContain('no case reported');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
