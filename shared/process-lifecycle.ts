import type { Logger } from './logger.js';

/**
 * How the product's processes stop (gateway, dashboard, feed, orchestrator, jobs, `npm start`, the fake
 * vendor): one graceful shutdown, whichever asks first — SIGTERM (pm2), SIGINT (Ctrl-C) or the process itself
 * (a fatal vendor error). Later requests wait for the same shutdown instead of starting another.
 */

/** Runs the shutdown (once); `reason` is the signal's name or the caller's word for it (e.g. `fatal`). */
export type Shutdown = (reason: string, exitCode?: number) => Promise<void>;

export interface ShutdownOptions {
  /** Logs `stopping` (with the reason as `signal`, and `fields()`) before `close`, and `stopped` after it. */
  readonly logger?: Logger;
  /** More to log with `stopping`, read when the shutdown starts (e.g. counters). */
  readonly fields?: () => Record<string, unknown>;
}

/**
 * A shutdown that runs `close` on its first call only; every call returns that first call's promise. The first
 * call's `exitCode`, when given, becomes `process.exitCode` once `close` resolved. A process that must exit
 * even with a handle left open calls `process.exit` itself once the returned promise resolves.
 */
export function createShutdown(close: () => Promise<void>, o: ShutdownOptions = {}): Shutdown {
  let stopping: Promise<void> | undefined;
  return (reason, exitCode) =>
    (stopping ??= (async () => {
      o.logger?.info({ signal: reason, ...o.fields?.() }, 'stopping');
      await close();
      o.logger?.info('stopped');
      if (exitCode !== undefined) process.exitCode = exitCode;
    })());
}

/**
 * Calls `shutdown` on SIGTERM and on SIGINT, each handled once (a second SIGTERM gets Node's default: the
 * process dies). Registered by each process once it has what `shutdown` closes.
 */
export function shutdownOnSignals(shutdown: Shutdown): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(signal));
}
