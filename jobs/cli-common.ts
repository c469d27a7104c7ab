import { pino } from 'pino';
import { VendorAuthError } from '../shared/vendor/errors.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { planRateLimit, type RateLimit } from './rate-limiter.js';

/*
 * What the reference-data CLIs (backfill-cli.ts, metadata-cli.ts) share: configuration, the vendor client,
 * exit codes and the Ctrl-C behaviour. Exit codes: 0 done, 1 failed (the vendor refused the key, the
 * database is down…), 2 usage or configuration error (no API key), 130 interrupted.
 */

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A bad command line; the message is printed with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** No vendor API key in the environment: exit 2 like a usage error, without the usage text. */
export class NoApiKeyError extends Error {
  override readonly name = 'NoApiKeyError';
}

export interface CliContext {
  readonly config: Config;
  readonly rest: PolygonRestClient;
  readonly logger: Logger;
}

/**
 * Configuration and vendor client from the environment (POLYGON_API_KEY / MASSIVE_API_KEY,
 * POLYGON_REST_URL, DATABASE_URL). Throws NoApiKeyError when there is no key.
 */
export function cliContext(name: string): CliContext {
  const config = loadConfig();
  if (config.apiKey === undefined) {
    throw new NoApiKeyError('no vendor API key: set POLYGON_API_KEY (or MASSIVE_API_KEY) in the environment');
  }
  // Logs go to stderr so that they never break the progress line on stdout; quiet unless LOG_LEVEL says.
  const logger = pino({ name, level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const rest = new PolygonRestClient({ apiKey: config.apiKey, baseUrl: config.POLYGON_REST_URL, logger });
  return { config, rest, logger };
}

/** `--free-plan` / `--rate N` → the rate limit (N requests per second wins over the plan's default). */
export function rateFromFlags(freePlan: boolean, rate: string | undefined): RateLimit {
  if (rate === undefined) return planRateLimit(freePlan);
  const perSecond = Number(rate);
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
    throw new UsageError(`--rate must be a positive number of requests per second, got ${rate}`);
  }
  return { perSecond };
}

/** `AAPL,MSFT, brk.b` → ['AAPL', 'MSFT', 'BRK.B']; tickers are upper case at the vendor. */
export function parseSymbols(text: string): string[] {
  const symbols = text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  if (symbols.length === 0) throw new UsageError('--symbols needs at least one ticker');
  return symbols;
}

export function parsePositiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, got ${text}`);
  return n;
}

let interrupted = false;

/** An AbortController that the first Ctrl-C (SIGINT) or SIGTERM aborts; a second Ctrl-C exits at once. */
export function abortOnSignals(): AbortController {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('\nstopping after the requests in flight (Ctrl-C again to quit now)…\n');
    interrupted = true;
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}

/** Runs a CLI's main, turning its errors into a message on stderr and an exit code. */
export async function runCli(usage: string, main: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await main();
  } catch (err) {
    code = reportError(usage, err);
  }
  process.exitCode = code;
}

function reportError(usage: string, err: unknown): number {
  if (interrupted) {
    process.stderr.write('interrupted\n');
    return EXIT.interrupted;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n\n${usage}\n`);
    return EXIT.usage;
  }
  if (err instanceof ConfigError || err instanceof NoApiKeyError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof VendorAuthError) {
    const status = err.status === undefined ? '' : ` (HTTP ${err.status})`;
    process.stderr.write(
      `error: the vendor refused the request${status}: ${err.vendorMessage ?? err.message}\n` +
        'check POLYGON_API_KEY / MASSIVE_API_KEY and what your plan includes; nothing after this was fetched\n',
    );
    return EXIT.failed;
  }
  process.stderr.write(`error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
  return EXIT.failed;
}

/**
 * The end of a long reference run: the first failures by symbol, then the exit code — interrupted runs say how
 * to resume (the work done is kept; the same command finishes it).
 */
export function reportOutcome(
  result: {
    readonly failures: readonly { symbol: string; error: string }[];
    readonly errors: number;
    readonly aborted: boolean;
  },
  resumeHint: string,
): number {
  const shown = 10;
  for (const f of result.failures.slice(0, shown)) process.stderr.write(`  ${f.symbol}: ${f.error}\n`);
  if (result.failures.length > shown) process.stderr.write(`  … and ${result.errors - shown} more\n`);
  if (!result.aborted) return EXIT.ok;
  process.stderr.write(`interrupted: ${resumeHint}\n`);
  return EXIT.interrupted;
}
