import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { waitFor } from './wait.js';

/**
 * A private redis-server on its own port, for tests that must restart Redis without disturbing the shared one.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  /** `args` are appended to the defaults below, so they override them (e.g. `--appendonly yes`). */
  constructor(
    readonly port = 20_000 + Math.floor(Math.random() * 20_000),
    private readonly args: readonly string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        ...this.args,
      ],
      { stdio: 'ignore' },
    );
    const probe = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined); // refused while the server boots: retried below
    await waitFor(
      async () => {
        await probe.connect();
        await probe.ping();
      },
      { timeoutMs: 5_000, intervalMs: 50, what: `redis-server on port ${this.port} to start` },
    );
    probe.disconnect();
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGKILL');
    await once(this.child, 'exit');
  }
}
