import type { FanoutRow } from './fanout.bench.js';

/* The fan-out bench's printed output: one line per row as it is measured, then the table and the goals. */

const r1 = (n: number | undefined): string => (n === undefined ? '—' : n.toFixed(1));

export function formatRow(r: FanoutRow): string {
  return (
    `  ${r.server} ${r.cadence} ${r.clients}: ${r.connected} connected, ${r.deliveredPerS.toFixed(0)} msg/s ` +
    `(${(r.deliveredShare * 100).toFixed(1)} %), ${r.kbPerClientPerS.toFixed(1)} KB/client/s, ` +
    `p50 ${r1(r.p50Ms)} p99 ${r1(r.p99Ms)} max ${r1(r.maxMs)} ms, server CPU ${r1(r.serverCpuPct)} %` +
    (r.server === 'gateway-deflate' ? `, frames not inflating ${r.badFrames}` : '')
  );
}

/** The table and the goals, printed. */
export function printFanout(rows: readonly FanoutRow[]): void {
  console.table(
    rows.map((r) => ({
      server: r.server,
      cadence: r.cadence,
      clients: `${r.connected}/${r.clients}`,
      'window s': r.windowS.toFixed(1),
      'published msg/s': r.publishedPerS.toFixed(1),
      'delivered msg/s': Math.round(r.deliveredPerS),
      'delivered %': (r.deliveredShare * 100).toFixed(1),
      'KB/client/s': r.kbPerClientPerS.toFixed(1),
      'p50 ms': r1(r.p50Ms),
      'p99 ms': r1(r.p99Ms),
      'max ms': r1(r.maxMs),
      'server CPU %': r1(r.serverCpuPct),
      'server RSS MB (peak)': `${r1(r.serverRssMb)} (${r1(r.serverPeakRssMb)})`,
      'loadgen CPU %': r1(r.loadgenCpuPct),
      'redis CPU %': r1(r.redisCpuPct),
      'ramp s': r.rampS.toFixed(1),
      closed: r.closedInWindow,
      conflations: r.conflations ?? '—',
    })),
  );
  const gw = rows.filter((r) => r.server === 'gateway');
  for (const r of gw.filter((x) => x.cadence === 'default'))
    console.log(
      `Goal ≤ 15 KB per client per second at the default cadence, ${r.clients} clients: ${r.kbPerClientPerS.toFixed(1)} KB ` +
        `(${r.kbPerClientPerS <= 15 ? 'met' : 'missed'})`,
    );
  for (const cadence of new Set(gw.map((r) => r.cadence))) {
    const small = gw.find((r) => r.cadence === cadence && r.clients === 1000);
    const big = gw.find((r) => r.cadence === cadence && r.clients === 10_000);
    if (small?.p99Ms === undefined || big?.p99Ms === undefined) continue;
    const ratio = big.p99Ms / small.p99Ms;
    const all = big.connected === big.clients;
    console.log(
      `Goal p99 at 10,000 clients within 5× of 1,000 (${cadence}): ${big.p99Ms.toFixed(1)} / ${small.p99Ms.toFixed(1)} ms = ` +
        `${ratio.toFixed(1)}× with ${big.connected} connected (${ratio <= 5 && all ? 'met' : 'missed'})`,
    );
  }
  for (const r of rows.filter((x) => x.server === 'gateway-deflate')) {
    const json = gw.find((x) => x.cadence === r.cadence && x.clients === r.clients);
    console.log(
      `scanner.deflate.v1, ${r.cadence}, ${r.clients} clients: ${r.kbPerClientPerS.toFixed(1)} KB per client per second ` +
        `(goal ≤ 15: ${r.kbPerClientPerS <= 15 ? 'met' : 'missed'})` +
        (json
          ? `, ${(r.kbPerClientPerS / Math.max(1e-9, json.kbPerClientPerS)).toFixed(2)}× JSON's; p99 ${r1(r.p99Ms)} vs ${r1(json.p99Ms)} ms, ` +
            `server CPU ${r1(r.serverCpuPct)} vs ${r1(json.serverCpuPct)} %`
          : ''),
    );
  }
  for (const r of gw) {
    const ws = rows.find((x) => x.server === 'ws' && x.cadence === r.cadence && x.clients === r.clients);
    if (!ws) continue;
    console.log(
      `gateway vs ws, ${r.cadence}, ${r.clients} clients: delivered ${(r.deliveredPerS / Math.max(1, ws.deliveredPerS)).toFixed(2)}× ` +
        `(${Math.round(r.deliveredPerS)} vs ${Math.round(ws.deliveredPerS)} msg/s), p99 ${r1(r.p99Ms)} vs ${r1(ws.p99Ms)} ms, ` +
        `server CPU ${r1(r.serverCpuPct)} vs ${r1(ws.serverCpuPct)} %`,
    );
  }
}
