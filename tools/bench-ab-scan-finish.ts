// A/B of two checkouts' `engine.finish` with user-defined scans: the orchestrator thread's share of a tick after
// the workers (rows, diffs, sequenced messages of the built-in and the scan lists), issue #10. Each checkout runs
// in its own child process (its own heap: this step is mostly allocation, and one side's garbage must not be
// collected on the other's clock), and the two are driven in interleaved blocks of ticks so that the drift of
// this shared, noisy machine falls on both alike. Both sides see the same synthetic market (15,000 tickers of
// bench/bench-engine.ts), the same random scans (the five usual sorts) and, in a moving market, the same
// snapshot each second where every price moves by up to ±1 % and every volume grows (bench/scans-pool.bench.ts's
// benchScanFinish). Both checkouts must have run `npx tsc -p tsconfig.json --outDir .bench-build` first.
//
//   npx tsx tools/bench-ab-scan-finish.ts <checkout A> <checkout B> [blocks=8] [ticksPerBlock=4]
//
// Cases: 1,000 and 100 scans in the moving market, 1,000 in the still one, and the built-in lists alone in the
// moving market (0 scans: the 11 lists use the same diff code).
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type * as BenchEngineModule from '../bench/bench-engine.js';
import type * as RandomScansModule from '../bench/random-scans.js';
import type * as SyntheticMarketModule from '../bench/synthetic-market.js';
import type * as KernelModule from '../shared/scan/kernel.js';
import type * as EvaluateModule from '../shared/scan/scan-evaluate.js';
import type * as SnapshotsModule from '../shared/bus/scan-list-snapshots.js';
import type * as KeysModule from '../shared/bus/keys.js';
import { percentile } from '../bench/stats.js';

const TICKERS = 15_000;
const USUAL_SORTS = ['changePercent', 'volumeToday', 'rvol', 'anomalyRvol', 'dollarVolume'];

interface Case {
  readonly label: string;
  readonly scans: number;
  readonly moving: boolean;
}
const CASES: readonly Case[] = [
  { label: '1,000 scans, moving market', scans: 1000, moving: true },
  { label: '100 scans, moving market', scans: 100, moving: true },
  { label: '1,000 scans, still market', scans: 1000, moving: false },
  { label: 'built-in lists only, moving market', scans: 0, moving: true },
];

type Request = { readonly setup: number } | { readonly ticks: number };
interface Reply {
  readonly times: number[];
  /** CPU time of the process (every thread: the GC's helpers too) per finish. */
  readonly cpu: number[];
  /** The publisher's JSON of the tick's messages and changed scan lists' snapshots: ms, and MB (mean). */
  readonly json: number[];
  readonly mb: number;
  readonly messages: number;
}

/** A child: one checkout's engine, ticked on request; replies with the finish times of the ticks. */
async function child(dir: string): Promise<void> {
  const root = path.resolve(dir, '.bench-build');
  const { benchEngine } = (await import(`${root}/bench/bench-engine.js`)) as typeof BenchEngineModule;
  const { randomScans } = (await import(`${root}/bench/random-scans.js`)) as typeof RandomScansModule;
  const { prng } = (await import(`${root}/bench/synthetic-market.js`)) as typeof SyntheticMarketModule;
  const { scanKernel } = (await import(`${root}/shared/scan/kernel.js`)) as typeof KernelModule;
  const { evaluateScans } = (await import(`${root}/shared/scan/scan-evaluate.js`)) as typeof EvaluateModule;
  // A checkout before RowJson has only putScanListSnapshot (it ignores the extra argument).
  const snapshots = (await import(`${root}/shared/bus/scan-list-snapshots.js`)) as Omit<
    typeof SnapshotsModule,
    'RowJson'
  > & { RowJson?: typeof SnapshotsModule.RowJson };
  const benchKeys = ((await import(`${root}/shared/bus/keys.js`)) as typeof KeysModule).keys('bench');
  let tick: (() => { ms: number; cpu: number; json: number; bytes: number; messages: number }) | null = null;
  process.on('message', (req: Request) => {
    if ('setup' in req) {
      const c = CASES[req.setup]!;
      const { engine, market, at } = benchEngine(TICKERS, true);
      engine.scan(at);
      const { cols, size, dictionary } = engine.state;
      const valuesOf = (field: 'sector' | 'exchange') =>
        Array.from({ length: dictionary.size(field) }, (_, code) => dictionary.valueOf(field, code)!);
      const categories = { sector: valuesOf('sector'), exchange: valuesOf('exchange') };
      if (c.scans > 0) {
        const defs = randomScans(c.scans, {
          cols,
          size,
          categories,
          rand: prng(c.scans + 7),
          sortFields: USUAL_SORTS,
        });
        engine.setScans(
          defs,
          defs.map((d) => `scan:${d.id}` as const),
        );
      }
      const rand = prng(99);
      let t = 0;
      tick = () => {
        const ms = at + (c.moving ? ++t * 1000 : 0);
        if (c.moving)
          engine.applySnapshot(
            ms,
            market.rows.map((r) => {
              const p = Math.round(r.lastTrade!.p! * (1 + (rand() - 0.5) * 0.02) * 100) / 100;
              const v = r.day!.v! + t * 5_000;
              return { ...r, lastTrade: { p }, day: { ...r.day!, c: p, v }, min: { av: v, c: p } };
            }),
          );
        const prepared = engine.prepare(ms);
        const ranked = scanKernel(cols, prepared.params, 0, size);
        const results = prepared.scans
          ? evaluateScans(cols, prepared.scans.compiled, 0, size, prepared.clock.session)
          : undefined;
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const outcome = engine.finish(prepared, ranked, undefined, results);
        const elapsed = performance.now() - t0;
        const used = process.cpuUsage(c0);
        // What the publisher then serialises on the same thread: every message, and each changed scan list's
        // stored snapshot (its rows last sent), as publisher.ts / scan-list-snapshots.ts write them.
        const t1 = performance.now();
        let bytes = 0;
        for (const m of outcome.messages) bytes += JSON.stringify(m).length;
        // The checkout's own snapshot writer, on a MULTI that only counts the bytes it is given.
        const multi = {
          hset: (_key: string, _field: string, text: string) => {
            bytes += text.length;
            return multi;
          },
        };
        const rowJson = snapshots.RowJson ? new snapshots.RowJson() : undefined;
        const lists = engine.scanLists as typeof engine.scanLists & { held?: typeof engine.scanLists.stored };
        for (const m of outcome.scanMessages) {
          bytes += JSON.stringify(m).length;
          const state = (lists.held ?? lists.stored).call(lists, m.list)!;
          snapshots.putScanListSnapshot(multi as never, benchKeys, m.list, state, m.ts, rowJson);
        }
        const serialised = performance.now() - t1;
        return {
          ms: elapsed,
          cpu: (used.user + used.system) / 1000,
          json: serialised,
          bytes,
          messages: outcome.messages.length + outcome.scanMessages.length,
        };
      };
      const first = tick();
      process.send!({
        times: [first.ms],
        cpu: [first.cpu],
        json: [first.json],
        mb: first.bytes / 1e6,
        messages: first.messages,
      } satisfies Reply);
    } else {
      const times: number[] = [];
      const cpu: number[] = [];
      const json: number[] = [];
      let messages = 0;
      let bytes = 0;
      for (let i = 0; i < req.ticks; i++) {
        const r = tick!();
        times.push(r.ms);
        cpu.push(r.cpu);
        json.push(r.json);
        messages += r.messages;
        bytes += r.bytes;
      }
      process.send!({
        times,
        cpu,
        json,
        mb: bytes / 1e6 / req.ticks,
        messages: messages / req.ticks,
      } satisfies Reply);
    }
  });
  process.send!({ times: [], cpu: [], json: [], mb: 0, messages: 0 } satisfies Reply);
}

function ask(c: ChildProcess, req: Request | null): Promise<Reply> {
  return new Promise((resolve) => {
    c.once('message', (m) => resolve(m as Reply));
    if (req) c.send(req);
  });
}

async function parent(a: string, b: string, blocks: number, perBlock: number): Promise<void> {
  const load0 = os.loadavg();
  const dirs = [a, b];
  const names = dirs.map((d) => path.basename(path.resolve(d)));
  const children = dirs.map((d) =>
    fork(process.argv[1]!, ['--child', d], { execArgv: process.execArgv, stdio: 'inherit' }),
  );
  try {
    await Promise.all(children.map((c) => ask(c, null)));
    const rows: Record<string, string | number>[] = [];
    for (const [k, c] of CASES.entries()) {
      const first: number[] = [];
      for (const ch of children) first.push((await ask(ch, { setup: k })).times[0]!);
      // Two unkept blocks warm the JIT (and fill the lists' states past their first snapshots).
      const samples: number[][] = [[], []];
      const cpu: number[][] = [[], []];
      const json: number[][] = [[], []];
      const mb = [0, 0];
      const messages = [0, 0];
      for (let block = 0; block < blocks + 2; block++)
        for (const [s, ch] of children.entries()) {
          const r = await ask(ch, { ticks: perBlock });
          if (block < 2) continue;
          samples[s]!.push(...r.times);
          cpu[s]!.push(...r.cpu);
          json[s]!.push(...r.json);
          mb[s] = r.mb;
          messages[s] = r.messages;
        }
      const p = (s: number, q: number) => percentile(samples[s]!, q);
      rows.push({
        case: c.label,
        [`${names[0]} first tick`]: +first[0]!.toFixed(1),
        [`${names[1]} first tick`]: +first[1]!.toFixed(1),
        [`${names[0]} p50 / p99`]: `${p(0, 50).toFixed(2)} / ${p(0, 99).toFixed(2)}`,
        [`${names[1]} p50 / p99`]: `${p(1, 50).toFixed(2)} / ${p(1, 99).toFixed(2)}`,
        'p50 ratio': +(p(1, 50) / p(0, 50)).toFixed(2),
        'p99 ratio': +(p(1, 99) / p(0, 99)).toFixed(2),
        'CPU ms p50': `${percentile(cpu[0]!, 50).toFixed(1)} / ${percentile(cpu[1]!, 50).toFixed(1)}`,
        'CPU ratio': +(percentile(cpu[1]!, 50) / percentile(cpu[0]!, 50)).toFixed(2),
        'messages / tick': `${messages[0]!.toFixed(0)} / ${messages[1]!.toFixed(0)}`,
        'then JSON ms p50 (MB)': `${percentile(json[0]!, 50).toFixed(1)} / ${percentile(json[1]!, 50).toFixed(1)} (${mb[0]!.toFixed(1)})`,
      });
    }
    const load1 = os.loadavg();
    console.log(
      `node ${process.version}, ${new Date().toISOString()}, ${TICKERS} tickers, ${blocks} blocks of ${perBlock} ` +
        `ticks per side after 2 warm-up blocks; engine.finish ms; load average ${load0.map((l) => l.toFixed(2)).join(' ')} ` +
        `at the start, ${load1.map((l) => l.toFixed(2)).join(' ')} at the end`,
    );
    console.table(rows);
  } finally {
    for (const c of children) c.kill();
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1]!);
else {
  const [a, b, blocks = '8', perBlock = '4'] = args;
  if (!a || !b) {
    process.stderr.write(
      'usage: npx tsx tools/bench-ab-scan-finish.ts <checkout A> <checkout B> [blocks] [ticks]\n',
    );
    process.exit(2);
  }
  await parent(a, b, Number(blocks), Number(perBlock));
}
