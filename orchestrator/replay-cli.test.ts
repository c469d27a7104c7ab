import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
// Resolved here, so that a run from another working directory (for its .env) still finds tsx.
const cli = ['--import', import.meta.resolve('tsx'), path.join(root, 'orchestrator/replay-cli.ts')];
const sample = (f: string) => path.join(root, 'samples', f);
const SAMPLE_ARGS = [
  '--recording',
  sample('day.ndjson'),
  '--history',
  sample('history.csv'),
  '--metadata',
  sample('metadata.json'),
  '--filters',
  sample('filters.json'),
];

async function replay(
  args: string[],
  o: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, ...args], {
      cwd: o.cwd ?? root,
      env: o.env ?? process.env,
      maxBuffer: 1 << 28,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('npm run replay (the command-line tool)', () => {
  it('writes byte-identical output on two runs over the sample day', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'replay-'));
    const [a, b] = await Promise.all(
      ['a', 'b'].map((n) => replay([...SAMPLE_ARGS, '--rows', '--out', path.join(dir, `${n}.ndjson`)])),
    );
    expect(a!.code).toBe(0);
    expect(b!.code).toBe(0);
    const first = readFileSync(path.join(dir, 'a.ndjson'));
    expect(first.length).toBeGreaterThan(100_000);
    expect(first.equals(readFileSync(path.join(dir, 'b.ndjson')))).toBe(true);
    expect(a!.stderr).toMatch(/replay: \d+ events, \d+ scans, \d+ messages/);
  }, 60_000);

  it('populates every one of the 11 lists at some point of the sample day', async () => {
    const { stdout } = await replay(SAMPLE_ARGS);
    const populated = new Set<string>();
    for (const line of stdout.trim().split('\n')) {
      const m = JSON.parse(line) as { list: string; rows?: unknown[]; deltas?: { action: string }[] };
      if ((m.rows?.length ?? 0) > 0 || m.deltas?.some((d) => d.action === 'add')) populated.add(m.list);
    }
    expect([...populated].sort()).toEqual([
      'anomalies',
      'gappers_down',
      'gappers_up',
      'high_volume',
      'losers',
      'momentum_down',
      'momentum_up',
      'new_highs',
      'new_lows',
      'reversals',
      'winners',
    ]);
  }, 60_000);

  it('exits 1 naming the file and line of a bad recording line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'replay-'));
    const lines = readFileSync(sample('day.ndjson'), 'utf8').split('\n').slice(0, 3);
    lines[1] = lines[1]!.replace('"status":"OK"', '"status":42');
    const file = path.join(dir, 'bad.ndjson');
    writeFileSync(file, lines.join('\n'));
    const { code, stderr } = await replay(['--recording', file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^replay: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 2: `));
    expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('with --skip-bad, counts and reports bad history, metadata and filters lines too, and runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'replay-bad-'));
    const history = path.join(dir, 'history.csv');
    const metadata = path.join(dir, 'metadata.json');
    const filters = path.join(dir, 'filters.json');
    const historyLines = readFileSync(sample('history.csv'), 'utf8').split('\n');
    historyLines[2] = 'BNLR,2026-02-23,999,0';
    writeFileSync(history, historyLines.join('\n'));
    const meta = JSON.parse(readFileSync(sample('metadata.json'), 'utf8')) as object[];
    writeFileSync(
      metadata,
      ['[', ...meta.map((m) => JSON.stringify(m) + ','), '{"symbol":"X","beta":"high"}', ']'].join('\n'),
    );
    writeFileSync(filters, '[\n{"id":1,"name":"typo","parameters":{"minPirce":1}}\n]');
    const args = [
      '--recording',
      sample('day.ndjson'),
      '--history',
      history,
      '--metadata',
      metadata,
      '--filters',
      filters,
    ];

    const strict = await replay(args);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/history\.csv line 3: slot must be an integer/);

    const { code, stderr } = await replay([...args, '--skip-bad', '--table']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/, 3 bad lines\/rows skipped:\n/);
    expect(stderr).toMatch(/history\.csv line 3: slot must be an integer/);
    expect(stderr).toMatch(
      new RegExp(`metadata\\.json line ${meta.length + 2}: element ${meta.length}: beta`),
    );
    expect(stderr).toMatch(/filters\.json line 2: .*minPirce/);
  }, 60_000);

  it('reads only the scan settings: GATEWAY_HOST=0.0.0.0 without tokens does not stop it', async () => {
    const env = { ...process.env, GATEWAY_HOST: '0.0.0.0', GATEWAY_TOKENS: '', DASHBOARD_HOST: '0.0.0.0' };
    const { code, stderr } = await replay([...SAMPLE_ARGS, '--table'], { env: { ...env, LIST_LIMIT: '3' } });
    expect(code).toBe(0);
    // The end-of-run summary names the settings used.
    expect(stderr).toMatch(
      /^replay: settings RVOL_LOOKBACK_DAYS=5 .*\bLIST_LIMIT=3\b.* REVERSAL_MIN_FROM_OPEN_PCT=1 RUN_PCT=1\.5\b/m,
    );
  }, 60_000);

  it('still stops, naming the variable, on a bad scan setting', async () => {
    const { code, stderr } = await replay(SAMPLE_ARGS, { env: { ...process.env, GAPPER_MIN_PCT: 'two' } });
    expect(code).toBe(1);
    expect(stderr).toMatch(/GAPPER_MIN_PCT="two"/);
  });

  it("takes settings from the working directory's .env, under the environment's own values", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'replay-env-'));
    writeFileSync(path.join(dir, '.env'), 'LIST_LIMIT=4\nGAPPER_MIN_PCT=9\n');
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k !== 'LIST_LIMIT' && k !== 'GAPPER_MIN_PCT'),
    );
    const { code, stderr } = await replay([...SAMPLE_ARGS, '--table'], {
      cwd: dir,
      env: { ...inherited, GAPPER_MIN_PCT: '4' },
    });
    expect(code).toBe(0);
    expect(stderr).toMatch(/settings .*\bLIST_LIMIT=4 .*\bGAPPER_MIN_PCT=4\b/);
  }, 60_000);

  it('publishes --scans as scan:<id> lists, and stops on a bad scans file naming the scan and the reason', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'replay-scans-'));
    const good = path.join(dir, 'scans.json');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify([{ id: 'top-dollar', sort: { field: 'dollarVolume', dir: 'desc' } }]));
    writeFileSync(bad, JSON.stringify([{ id: 'x', sort: { field: 'sector', dir: 'desc' } }]));
    const ok = await replay([...SAMPLE_ARGS, '--scans', good, '--until', '2026-03-02T15:00:00Z']);
    expect(ok.code).toBe(0);
    const lists = ok.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { list: string }).list);
    expect(lists).toContain('scan:top-dollar');
    const failed = await replay([...SAMPLE_ARGS, '--scans', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/bad\.json line 1: scan 0: sort\.field: cannot sort on sector/);
  }, 60_000);

  it('prints usage and exits 2 without a recording', async () => {
    const { code, stderr } = await replay([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: npm run replay -- --recording/);
  });
});
