import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import type { Logger } from './logger.js';
import { createShutdown, EXIT_CRASH, EXIT_NOT_RETRYABLE, exitCodeOf } from './process-lifecycle.js';
import { VendorAuthError } from './vendor/errors.js';

const root = path.resolve(import.meta.dirname, '..');

/** A logger that keeps what `info` was given. */
function recordingLogger(): { logger: Logger; lines: unknown[][] } {
  const lines: unknown[][] = [];
  return { logger: { info: (...args: unknown[]) => lines.push(args) } as unknown as Logger, lines };
}

describe('createShutdown', () => {
  it('closes once however often it is asked, every caller waiting for that one close', async () => {
    let closes = 0;
    let finish!: () => void;
    const shutdown = createShutdown(async () => {
      closes++;
      await new Promise<void>((resolve) => (finish = resolve));
    });
    const first = shutdown('SIGTERM');
    let secondDone = false;
    const second = shutdown('fatal').then(() => (secondDone = true));
    // The assertion itself: 20 ms on, the second call still waits and has not closed a second time.
    await new Promise((r) => setTimeout(r, 20));
    expect(closes).toBe(1);
    expect(secondDone).toBe(false); // it waits for the close the first call began
    finish();
    await Promise.all([first, second]);
    expect(secondDone).toBe(true);
    await shutdown('SIGINT');
    expect(closes).toBe(1);
  });

  it('logs stopping with the reason and the fields read at that moment, then stopped once closed', async () => {
    const { logger, lines } = recordingLogger();
    let counter = 1;
    const shutdown = createShutdown(
      () => {
        expect(lines).toEqual([[{ signal: 'fatal', counter: 2 }, 'stopping']]);
        return Promise.resolve();
      },
      { logger, fields: () => ({ counter }) },
    );
    counter = 2;
    await shutdown('fatal');
    expect(lines).toEqual([[{ signal: 'fatal', counter: 2 }, 'stopping'], ['stopped']]);
  });

  it('passes a failed close on to every caller', async () => {
    const shutdown = createShutdown(() => Promise.reject(new Error('close failed')));
    await expect(shutdown('SIGTERM')).rejects.toThrow('close failed');
    await expect(shutdown('SIGINT')).rejects.toThrow('close failed');
  });
});

describe('shutdownOnSignals (a real process)', () => {
  it('stops on SIGTERM, ignores a SIGINT that comes while it closes, and exits with the exit code given', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'test/fixtures/stopping-process.ts')],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, CLOSE_MS: '300', EXIT_CODE: '3' },
      },
    );
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => (stdout += d));
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      await expect.poll(() => stdout, { timeout: 15_000 }).toContain('ready\n');
      child.kill('SIGTERM');
      await expect.poll(() => stdout).toContain('"msg":"stopping"');
      child.kill('SIGINT');
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 3, signal: null });
      expect(stdout.match(/closed \d+/g)).toEqual(['closed 1']);
      const logs = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; signal?: string });
      expect(logs.map((l) => [l.msg, l.signal])).toEqual([
        ['stopping', 'SIGTERM'],
        ['stopped', undefined],
      ]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

describe('exitCodeOf (how a failed start tells pm2 whether to restart)', () => {
  it('makes an invalid configuration or a refused vendor key not retryable, and anything else a crash', () => {
    expect(EXIT_NOT_RETRYABLE).toBe(2);
    expect(exitCodeOf(new ConfigError('invalid configuration'))).toBe(EXIT_NOT_RETRYABLE);
    expect(exitCodeOf(new VendorAuthError('refused', { status: 401 }))).toBe(EXIT_NOT_RETRYABLE);
    expect(exitCodeOf(new Error('ECONNREFUSED'))).toBe(EXIT_CRASH);
    expect(exitCodeOf('not even an error')).toBe(EXIT_CRASH);
  });
});
