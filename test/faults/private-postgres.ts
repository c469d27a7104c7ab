import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitFor } from '../utils/wait.js';

const run = promisify(execFile);

/** No PostgreSQL server binaries (initdb, pg_ctl) were found where Debian and Ubuntu put them. */
export class PostgresBinariesNotFoundError extends Error {
  constructor(searched: string) {
    super(`no initdb/pg_ctl under ${searched}: install the postgresql server package`);
    this.name = 'PostgresBinariesNotFoundError';
  }
}

async function binDir(): Promise<string> {
  const base = '/usr/lib/postgresql';
  const versions = (await readdir(base).catch(() => [] as string[])).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new PostgresBinariesNotFoundError(base);
  return path.join(base, versions[0]!, 'bin');
}

/**
 * A PostgreSQL cluster of its own (initdb in a temporary directory, its own port and socket directory, trust
 * auth), so a fault case can stop and start it without disturbing the machine's PostgreSQL or other tests.
 * initdb and the server refuse to run as root, so as root they run as the `postgres` OS user (`runuser`), which
 * then owns the directory.
 */
export class PrivatePostgres {
  private dir: string | undefined;
  private bin = '';
  constructor(readonly port = 40_000 + Math.floor(Math.random() * 20_000)) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private async as(cmd: string, args: readonly string[]): Promise<void> {
    const exe = path.join(this.bin, cmd);
    if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', exe, ...args]);
    else await run(exe, [...args]);
  }

  /** initdb (first call only), then starts the server and waits until it answers. */
  async start(): Promise<void> {
    if (this.dir === undefined) {
      this.bin = await binDir();
      this.dir = await mkdtemp(path.join(tmpdir(), 'faults-pg-'));
      if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', this.dir]);
      await this.as('initdb', [
        '-D',
        path.join(this.dir, 'data'),
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
      ]);
    }
    const d = this.dir;
    await this.as('pg_ctl', [
      '-D',
      path.join(d, 'data'),
      '-l',
      path.join(d, 'server.log'),
      '-w',
      '-o',
      // fsync off: the cases kill the server, not the machine, and it spares the shared disk.
      `-p ${this.port} -k ${d} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
    await waitFor(
      async () => {
        const c = new pg.Client({ connectionString: this.url });
        await c.connect();
        await c.end();
      },
      { timeoutMs: 10_000, intervalMs: 100, what: `PostgreSQL on port ${this.port}` },
    );
  }

  /** Stops the server at once (open connections are cut, as when the host dies), keeping its data. */
  async stop(): Promise<void> {
    if (this.dir === undefined) return;
    await this.as('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(
      () => undefined, // already stopped
    );
  }

  /** Stops the server and removes the cluster. */
  async destroy(): Promise<void> {
    await this.stop();
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
