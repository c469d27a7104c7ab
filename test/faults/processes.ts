import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { onCleanup } from '../utils/cleanup.js';

const root = path.resolve(import.meta.dirname, '../..');

/** A product entry point running as its own process, and what it has printed so far. */
export interface Proc {
  readonly child: ChildProcess;
  readonly entry: string;
  output: string;
  /** SIGKILL (kill -9) and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, and SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** The environment every case's processes share: no vendor key unless a case gives one, terse logs. */
export function baseEnv(o: {
  readonly redisUrl: string;
  readonly databaseUrl: string;
}): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: 'faults',
    DATABASE_URL: o.databaseUrl,
    POLYGON_API_KEY: '',
    MASSIVE_API_KEY: '',
    WORKER_THREADS: '1',
    LOG_LEVEL: 'warn',
  };
}

/**
 * Starts `entry` (`orchestrator/main.ts`…) as `node --import tsx <entry>`, the way production runs it (bar the
 * compile step), with `env` on top of this process's. It is killed when the current test ends. With
 * `TEST_CLOCK_START` in `env`, the process's Date.now() starts at that instant (test/utils/shifted-clock.ts).
 */
export function startEntry(entry: string, env: Record<string, string>): Proc {
  const clock = path.join(root, 'test/utils/shifted-clock.ts');
  const args = [
    '--import',
    'tsx',
    ...('TEST_CLOCK_START' in env ? ['--import', clock] : []),
    path.join(root, entry),
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const proc: Proc = {
    child,
    entry,
    output: '',
    async kill9() {
      if (exited()) return;
      const done = once(child, 'exit');
      child.kill('SIGKILL');
      await done;
    },
    async stop(graceMs = 10_000) {
      if (exited()) return child.exitCode;
      const done = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code] = await done;
      clearTimeout(timer);
      return code;
    },
  };
  // Kept short: enough to explain a failure, never the whole run's logs in memory.
  const keep = (d: Buffer) => (proc.output = (proc.output + d.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  onCleanup(() => proc.kill9(), `kill ${entry}`);
  return proc;
}
