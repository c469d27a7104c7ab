import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import { Simulator } from '../shared/sim/simulator.js';
import { ManualClock } from '../test/fake-vendor/market.js';
import {
  FAKE_API_KEY,
  FAKE_FLATFILES_ACCESS_KEY,
  FAKE_FLATFILES_SECRET_KEY,
  startFakeVendor,
  type FakeVendor,
} from '../test/fake-vendor/server.js';
import { SimMarket } from '../test/fake-vendor/sim-market.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';

/*
 * `npm run backfill` / `npm run metadata` as an operator runs them: a child process with its environment,
 * against the fake vendor over HTTP and a fresh PostgreSQL schema (put on the search_path through the
 * connection string's `options`).
 */

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the backfill and metadata command-line tools', () => {
  const schema = withFreshSchema();
  let fake: FakeVendor;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const bars = Array.from({ length: 960 }, (_, i) => ({
      t: nyWallClockToUtcMs('2026-03-09', 240 + i),
      v: 1,
      o: 1,
      h: 1,
      l: 1,
      c: 1,
    }));
    fake = await startFakeVendor({
      data: { bars: (_t, m, span) => (m === 1 && span === 'minute' ? bars : []) },
    });
    const url = new URL(testDatabaseUrl);
    url.searchParams.set('options', `-c search_path=${schema.name}`);
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      POLYGON_REST_URL: fake.restUrl,
      DATABASE_URL: url.toString(),
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(() => fake.close());

  const cli = async (script: string, args: string[], extraEnv: NodeJS.ProcessEnv): Promise<Outcome> => {
    try {
      const { stdout, stderr } = await exec(
        process.execPath,
        ['--import', 'tsx', path.join(root, 'jobs', script), ...args],
        { cwd: root, env: { ...env, ...extraEnv } },
      );
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as Outcome;
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  it('exits 2 with a clear message when no API key is set', async () => {
    const out = await cli('metadata-cli.ts', ['--symbols', 'AAPL'], {});
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('no vendor API key: set POLYGON_API_KEY (or MASSIVE_API_KEY)');
  });

  it('exits 1 with the vendor’s own message when the key is refused', async () => {
    const out = await cli('backfill-cli.ts', ['--symbols', 'AAPL', '--days', '1', '--before', '2026-03-10'], {
      MASSIVE_API_KEY: 'not-a-key',
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('the vendor refused the request (HTTP 401): Unknown API Key');
  });

  it('backfills, printing progress a line per 5 % when stdout is not a terminal, then a summary', async () => {
    const out = await cli(
      'backfill-cli.ts',
      ['--symbols', 'clia,CLIB', '--days', '1', '--before', '2026-03-10', '--concurrency', '2'],
      { POLYGON_API_KEY: FAKE_API_KEY },
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^backfill\s+0\/2\s+0\.0 %/);
    expect(lines).toContainEqual(expect.stringMatching(/^backfill\s+2\/2\s+100\.0 %/));
    expect(lines.at(-1)).toMatch(
      /^backfill: 2 symbols × 1 trading days \(2026-03-09\.\.2026-03-09\): 2 symbol-days written \(384 rows\), 0 symbols already complete, 0 failed, 2 requests in \d+s$/,
    );
    const rows = await withClient(
      async (c) =>
        (
          await c.query<{ n: string }>(
            "SELECT count(*) AS n FROM volume_slots WHERE symbol IN ('CLIA', 'CLIB')",
          )
        ).rows,
      schema.name,
    );
    expect(Number(rows[0]!.n)).toBe(384);
  });
  it('reads the flat files first when their keys are configured, and needs no REST request for published days', async () => {
    const simulator = new Simulator({ seed: 4, tickers: 20 });
    const clock = new ManualClock(nyWallClockToUtcMs('2026-03-11', 12 * 60));
    const sim = await startFakeVendor({
      market: new SimMarket({ simulator, now: clock.now }),
      streamEveryMs: 0,
    });
    try {
      const out = await cli('backfill-cli.ts', ['--all', '--days', '2', '--before', '2026-03-11'], {
        POLYGON_API_KEY: FAKE_API_KEY,
        POLYGON_REST_URL: sim.restUrl,
        FLATFILES_URL: sim.restUrl,
        FLATFILES_ACCESS_KEY: FAKE_FLATFILES_ACCESS_KEY,
        FLATFILES_SECRET_KEY: FAKE_FLATFILES_SECRET_KEY,
      });
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(
        /flat files: 2 trading days \(2026-03-09\.\.2026-03-10\): 2 read, 0 already complete, 0 not published yet, 0 failed; 40 symbol-days written \(7680 rows\), 3 requests\n/,
      );
      expect(sim.rest.requests).toEqual([]);
      const rows = await withClient(
        async (c) =>
          (
            await c.query<{ n: string }>('SELECT count(*) AS n FROM volume_slots WHERE symbol = ANY($1)', [
              simulator.metadata().map((m) => m.symbol),
            ])
          ).rows,
        schema.name,
      );
      expect(Number(rows[0]!.n)).toBe(20 * 2 * 192);
    } finally {
      await sim.close();
    }
  });
});
