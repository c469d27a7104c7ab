import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../utils/db.js';
import { waitFor } from '../utils/wait.js';

/*
 * What an operator's `pm2 ls` says about the apps of ecosystem.config.cjs, under a real pm2 (a private daemon:
 * its own PM2_HOME) running the compiled build: a finished migration and a feed with nothing to do (FEED=sim)
 * show "stopped" with exit code 0, and an orchestrator that cannot start (invalid configuration, exit 2) shows
 * "stopped" too — not "online" forever, not a red "waiting restart" that never comes.
 */

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const pm2Bin = path.join(path.dirname(createRequire(import.meta.url).resolve('pm2/package.json')), 'bin/pm2');

interface Pm2Process {
  readonly name: string;
  readonly pm2_env: { readonly status: string; readonly exit_code?: number; readonly restart_time: number };
}

/** pm2 polls its apps; a cold compiled start takes a few seconds on a busy 2-core machine. */
const patience = { timeoutMs: 30_000, intervalMs: 500 };

describe('the pm2 ecosystem', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'pm2-home-'));
  const database = `pm2_${randomBytes(4).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(testDatabaseUrl), { pathname: `/${database}` }).toString();
  const env = { ...process.env, PM2_HOME: home };
  const pm2 = (...args: string[]) => run(process.execPath, [pm2Bin, ...args], { cwd: root, env });

  const apps = async (): Promise<Map<string, Pm2Process['pm2_env']>> => {
    const { stdout } = await pm2('jlist');
    return new Map((JSON.parse(stdout) as Pm2Process[]).map((p) => [p.name, p.pm2_env]));
  };

  beforeAll(async () => {
    await run('npm', ['run', 'build'], { cwd: root });
    // The real ecosystem file, narrowed to the apps under test, pointed at a private database and key prefix.
    const config = path.join(home, 'scanner.config.cjs');
    const overrides = {
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: `pm2-${database}`,
      FEED: 'sim',
      LOG_LEVEL: 'warn',
    };
    writeFileSync(
      config,
      `const { apps } = require(${JSON.stringify(path.join(root, 'ecosystem.config.cjs'))});
const env = ${JSON.stringify(overrides)};
module.exports = { apps: apps
  .filter((a) => ['migrate', 'feed', 'orchestrator'].includes(a.name))
  .map((a) => ({ ...a, cwd: ${JSON.stringify(root)},
    env: { ...a.env, ...env, ...(a.name === 'orchestrator' ? { FEED: 'polygon', POLYGON_API_KEY: '' } : {}) } })) };
`,
    );
    await pm2('start', config);
  }, 120_000);

  afterAll(async () => {
    await pm2('kill').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)}`);
    await client.end();
  });

  it('shows a finished migration as stopped with exit code 0', async () => {
    const migrate = await waitFor(async () => {
      const app = (await apps()).get('migrate');
      return app?.status === 'stopped' ? app : false;
    }, patience);
    expect(migrate.exit_code).toBe(0);
  }, 40_000);

  it('shows the feed under FEED=sim as stopped on purpose, not waiting for a restart', async () => {
    const feed = await waitFor(async () => {
      const app = (await apps()).get('feed');
      return app?.exit_code === 0 ? app : false;
    }, patience);
    expect(feed.status).toBe('stopped');
    expect(feed.restart_time).toBe(0);
  }, 40_000);

  it('shows an orchestrator that cannot start (exit 2) as stopped, not restarting', async () => {
    const orchestrator = await waitFor(async () => {
      const app = (await apps()).get('orchestrator');
      return app?.exit_code === 2 ? app : false;
    }, patience);
    expect(orchestrator.status).toBe('stopped');
    expect(orchestrator.restart_time).toBe(0);
  }, 40_000);
});
