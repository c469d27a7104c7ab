import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { withClient } from '../test/utils/db.js';
import { freshRedis, streamMessages, testRedisUrl } from '../test/utils/redis.js';
import { waitFor } from '../test/utils/wait.js';

const root = path.resolve(import.meta.dirname, '..');

describe('npm start (the whole scanner in one command)', () => {
  it('creates and migrates its database, scans the simulated market, shows the lists and persists scans', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    const database = `scanner_e2e_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    onCleanup(() => withClient((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'launcher/start-all.ts')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        FEED: 'sim',
        SIM_TICKERS: '600',
        SIM_SPEED: '60',
        SIM_START: 'MARKET_OPEN',
        SNAPSHOT_INTERVAL_MS: '500',
        REDIS_URL: testRedisUrl,
        REDIS_PREFIX: r.keys.prefix,
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
        WORKER_THREADS: '1',
        GATEWAY_PORT: '0',
        DASHBOARD_PORT: '0',
      },
    });
    onCleanup(() => child.exitCode === null && child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${stderr}`);
        return stdout.includes('gappers_up') && (await streamMessages(r.redis, r.keys)).length >= 22;
      },
      { timeoutMs: 45_000, intervalMs: 200, what: 'npm start to scan and publish two scans of every list' },
    );
    expect(stderr).toMatch(/created database/);
    expect(stderr).toMatch(/applied migrations: 0001_create-tables/);
    expect(stdout).toMatch(/lists as of \S+ (PRE_MARKET|MARKET_OPEN|POST_MARKET)/);
    // The gateway serves the same lists to clients.
    const url = /REST: (http:\/\/\S+\/api\/lists)/.exec(stderr)?.[1];
    expect(url).toBeDefined();
    const api = (await (await fetch(url!)).json()) as { lists: { list: string }[] };
    expect(api.lists.map((l) => l.list)).toContain('gappers_up');

    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const rows = await countScanResults(database);
    expect(rows).toBeGreaterThan(0);
  }, 90_000);
});

async function countScanResults(database: string): Promise<number> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${database}` });
  await client.connect();
  try {
    return Number(
      (await client.query<{ count: string }>('SELECT count(*) FROM scan_results')).rows[0]!.count,
    );
  } finally {
    await client.end();
  }
}
