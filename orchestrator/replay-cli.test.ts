import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const cli = ['--import', 'tsx', path.join(root, 'orchestrator/replay-cli.ts')];
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

async function replay(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, ...args], {
      cwd: root,
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

  it('prints usage and exits 2 without a recording', async () => {
    const { code, stderr } = await replay([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: npm run replay -- --recording/);
  });
});
