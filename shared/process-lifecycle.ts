import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { authFailureSummary, VendorAuthError } from './vendor/errors.js';

/**
 * How the product's processes start and stop (gateway, dashboard, feed, orchestrator, jobs, `npm start`, the
 * fake vendor): one graceful shutdown, whichever asks first — SIGTERM (pm2), SIGINT (Ctrl-C) or the process
 * itself (a fatal vendor error). Later requests wait for the same shutdown instead of starting another.
 */

/**
 * Exit code of a process that a restart cannot help: the vendor refused the key (or the plan lacks the data),
 * no key is set, or the configuration is invalid. ecosystem.config.cjs's `stop_exit_codes` leave it stopped;
 * the log says why.
 */
export const EXIT_NOT_RETRYABLE = 2;
/** Exit code of a crash: pm2 restarts the process. */
export const EXIT_CRASH = 1;

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

/** The exit code of a process that failed to start with `err`: not retryable when a restart would fail the same way. */
export function exitCodeOf(err: unknown): number {
  return err instanceof ConfigError || err instanceof VendorAuthError ? EXIT_NOT_RETRYABLE : EXIT_CRASH;
}

/** What {@link runProcess} hands a process's start function. */
export interface ProcessContext {
  readonly config: Config;
  readonly logger: Logger;
  /**
   * Stops the process for good (a fatal error, logged by the caller): runs the shutdown, then exits with
   * `exitCode` (default {@link EXIT_NOT_RETRYABLE}). It exits explicitly once closed: a handle left open must
   * not keep a dead process "online" in pm2.
   */
  readonly stop: (exitCode?: number) => void;
}

/** What a started process gives back to {@link runProcess}: how to stop it. */
export interface RunningProcess {
  /** Closes everything the start function opened, connections included. */
  close(): Promise<void>;
  /** More to log with `stopping` (e.g. counters). */
  readonly fields?: () => Record<string, unknown>;
}

/**
 * Runs a process's `main`: loads the configuration, creates the logger named `name`, calls `start`, and stops
 * what it returned on SIGTERM/SIGINT (or `stop()`). A signal that arrives while `start` is still running waits
 * for it, then closes. `start` resolving to `undefined` means there is nothing to run: the process exits 0
 * once nothing is left open. A failure to start is logged at fatal and exits with {@link exitCodeOf}.
 */
export function runProcess(
  name: string,
  start: (ctx: ProcessContext) => Promise<RunningProcess | undefined>,
): void {
  const run = async (): Promise<void> => {
    const config = loadConfig();
    const logger = createLogger(name, config.LOG_LEVEL);
    // What `start` gave: read by the shutdown, which may be asked for (a signal, a fatal error) before it is known.
    const current: { started: Promise<RunningProcess | undefined>; running?: RunningProcess } = {
      started: Promise.resolve(undefined),
    };
    const shutdown = createShutdown(
      async () => {
        // A start that fails exits on its own (below); one that succeeds is closed once it has finished.
        const running = await current.started.catch(() => undefined);
        await running?.close();
      },
      { logger, fields: () => current.running?.fields?.() ?? {} },
    );
    const stop = (exitCode = EXIT_NOT_RETRYABLE): void => {
      void shutdown('fatal', exitCode)
        .catch((err: unknown) => logger.error({ err }, 'could not close everything'))
        .then(() => process.exit(exitCode));
    };
    current.started = start({ config, logger, stop });
    shutdownOnSignals(shutdown);
    current.running = await current.started;
  };
  run().catch((err: unknown) => {
    const logger = createLogger(name);
    if (err instanceof VendorAuthError)
      logger.fatal({ err }, `vendor: ${authFailureSummary(err)}; not starting`);
    else logger.fatal({ err }, `${name} failed to start`);
    process.exit(exitCodeOf(err));
  });
}
