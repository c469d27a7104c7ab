import { describe, expect, it } from 'vitest';
import { ny } from '../../test/utils/market.js';
import { alertMessageSchema } from '../protocol/alert-messages.js';
import { runReplay } from './replay.js';

const iso = (time: string) => new Date(ny(time)).toISOString();
const ticker = (t: string, p: number, prev: number) => ({
  ticker: t,
  day: { o: prev, h: p, l: Math.min(p, prev), c: p, v: 10_000, vw: p },
  prevDay: { o: prev, h: prev, l: prev, c: prev, v: 1000, vw: prev },
  lastTrade: { c: null, i: '1', p, s: 100, t: ny('09:00') * 1e6, x: 4 },
});
const snapshotLine = (time: string, tickers: object[], halted?: string[]) =>
  JSON.stringify({
    at: iso(time),
    snapshot: { status: 'OK', count: tickers.length, tickers },
    ...(halted ? { halted } : {}),
  });

// The open: AAA runs 2 % in a minute to a new high, BBB slides, CCC is halted then resumes.
const RECORDING = [
  snapshotLine('09:31', [ticker('AAA', 10, 10), ticker('BBB', 20, 20), ticker('CCC', 5, 5)], []),
  snapshotLine('09:32', [ticker('AAA', 10.2, 10), ticker('BBB', 19.6, 20), ticker('CCC', 5, 5)], ['CCC']),
  snapshotLine('09:33', [ticker('AAA', 10.2, 10), ticker('BBB', 19.6, 20), ticker('CCC', 5, 5)], []),
];

async function replay(): Promise<string[]> {
  const out: string[] = [];
  await runReplay({ lines: RECORDING, file: 'open.ndjson', write: (l) => out.push(l) });
  return out;
}

describe('replay alert lines (SPEC §10, §14)', () => {
  it('writes each scan alerts after its list messages, in order, sequenced in epoch "replay", byte-identical on two runs', async () => {
    const a = await replay();
    expect((await replay()).join('\n')).toBe(a.join('\n'));
    const lines = a.map((l) => JSON.parse(l) as { type: string; ts: string });
    // Within a scan (one ts), no list message comes after an alert.
    for (let k = 1; k < lines.length; k++)
      if (lines[k]!.ts === lines[k - 1]!.ts && lines[k - 1]!.type === 'alert')
        expect(lines[k]!.type).toBe('alert');
    const alerts = lines.filter((l) => l.type === 'alert').map((l) => alertMessageSchema.parse(l));
    expect(alerts.map((x) => x.seq)).toEqual(alerts.map((_, i) => i + 1));
    expect(new Set(alerts.map((x) => x.epoch))).toEqual(new Set(['replay']));
    expect(
      alerts
        .filter((x) => x.kind !== 'entered_list')
        .map((x) => `${x.ts} ${x.kind} ${x.symbol} ${x.description}`),
    ).toEqual([
      `${iso('09:32')} new_high AAA New high 10.20`,
      `${iso('09:32')} new_low BBB New low 19.60`,
      `${iso('09:32')} running_up AAA Up 2.0 % in 1 min`,
      `${iso('09:32')} running_down BBB Down 2.0 % in 1 min`,
      `${iso('09:32')} halt CCC Trading halted`,
      `${iso('09:33')} resume CCC Trading resumed`,
    ]);
    expect(
      alerts.some((x) => x.kind === 'entered_list' && x.symbol === 'AAA' && x.list === 'gappers_up'),
    ).toBe(true);
  });
});
