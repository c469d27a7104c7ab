import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ensureDatabase, migrate } from '../shared/db/migrate.js';
import { keys } from '../shared/bus/keys.js';

/**
 * Resident memory of the real orchestrator process (`orchestrator/main.ts`), not a stand-in: FEED=sim at the
 * given size, its scan pool and decode worker, ioredis, BullMQ and pg, sampled from /proc while it scans.
 * The simulator runs inside the same process (it generates the market, its history and, at SIM_SPEED 60, sixty
 * per-second bars a second for each hot ticker), so the figure includes the simulator's share: on the vendor's
 * feed the process also fetches the bodies (undici) but holds no simulator.
 *
 * The child is launched as pm2 launches it: the `node_args` and `env` of the orchestrator app in
 * ecosystem.config.cjs (none unless set there), unless `launch` says otherwise (e.g. to measure flags before
 * adopting them). Under `npm run bench` the child runs under tsx; under `npm run bench:compiled` it is the
 * compiled build, which is what pm2 runs in production.
 *
 * RSS swings by tens of MB with where the sample falls between two major GCs, so besides the last sample at
 * scan 40 and the peak, the mean over scans 10–40 is reported: compare that one across runs.
 */
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scanner_bench';
/** Scans to wait for: the pool and JIT are warm and every list has churned by then. */
const SCANS = 40;
/** Samples from this scan on make the mean (start-up, history loading and the cold first snapshot are over). */
const STEADY_FROM_SCAN = 10;
const TIMEOUT_MS = 180_000;

/** How the orchestrator process is started: extra node arguments and environment. */
export interface OrchestratorLaunch {
  readonly nodeArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** The orchestrator app's `node_args` and `env` in ecosystem.config.cjs: what pm2 starts it with. */
export function pm2Launch(): OrchestratorLaunch {
  const require = createRequire(import.meta.url);
  const root = path.join(import.meta.dirname, '..', import.meta.url.endsWith('.js') ? '..' : '');
  const ecosystem = require(path.join(root, 'ecosystem.config.cjs')) as {
    apps: { name: string; node_args?: string | string[]; env?: Record<string, string> }[];
  };
  const app = ecosystem.apps.find((a) => a.name === 'orchestrator');
  const args = app?.node_args ?? [];
  const nodeArgs = typeof args === 'string' ? args.split(/\s+/).filter(Boolean) : args;
  // NODE_ENV is pm2's, not a memory setting; the bench keeps its own environment for it.
  const env = { ...app?.env };
  delete env.NODE_ENV;
  return { nodeArgs, env };
}

export async function benchOrchestratorRss(
  tickers: number,
  launch: OrchestratorLaunch = pm2Launch(),
): Promise<Record<string, number | string>> {
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL);
  const compiled = import.meta.url.endsWith('.js');
  const entry = path.join(import.meta.dirname, '..', 'orchestrator', compiled ? 'main.js' : 'main.ts');
  const prefix = `bench-rss-${randomUUID()}`;
  const k = keys(prefix);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const args = [...launch.nodeArgs, ...(compiled ? [] : ['--import', 'tsx']), entry];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      ...launch.env,
      FEED: 'sim',
      SIM_TICKERS: String(tickers),
      SIM_SPEED: '60',
      SIM_START: 'MARKET_OPEN',
      SNAPSHOT_INTERVAL_MS: '1000',
      WORKER_THREADS: '1',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      DATABASE_URL,
      LOG_LEVEL: 'warn',
    },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let peakMb = 0;
  let lastMb: number;
  let heapMb: number;
  let externalMb: number;
  const steady: number[] = [];
  try {
    const end = Date.now() + TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`orchestrator exited (${child.exitCode}):\n${stderr}`);
      if (Date.now() > end) throw new Error(`orchestrator did not reach ${SCANS} scans:\n${stderr}`);
      lastMb = rssMb(child.pid!);
      peakMb = Math.max(peakMb, lastMb);
      const m = await redis.hgetall(k.orchestratorMetrics);
      const scans = Number(m.scans ?? 0);
      if (scans >= STEADY_FROM_SCAN) steady.push(lastMb);
      if (scans >= SCANS) {
        heapMb = mb(Number(m.heapUsedBytes));
        externalMb = mb(Number(m.externalBytes));
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return {
      tickers,
      runtime: compiled ? 'node (compiled)' : 'tsx',
      launch:
        [...launch.nodeArgs, ...Object.entries(launch.env).map(([n, v]) => `${n}=${v}`)].join(' ') || '—',
      scans: SCANS,
      rssMb: lastMb,
      [`meanRssMb (scans ${STEADY_FROM_SCAN}–${SCANS})`]: Math.round(
        steady.reduce((a, b) => a + b, 0) / Math.max(1, steady.length),
      ),
      peakRssMb: peakMb,
      mainHeapMb: heapMb,
      // process.memoryUsage() external + arrayBuffers, as the orchestrator's metrics report it (the two overlap).
      externalMb,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const found = await redis.keys(`${prefix}:*`);
    if (found.length) await redis.del(...found);
    redis.disconnect();
  }
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return mb(Number(kb) * 1024);
}

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
