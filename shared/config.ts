import os from 'node:os';
import { z } from 'zod';
import { DEFAULT_ALERT_SETTINGS } from './alerts/alert-settings.js';
import { DEFAULT_ALERTS_STREAM_MAXLEN } from './bus/alerts-stream.js';
import { DEFAULT_RETRY_MAX_DELAY_MS } from './bus/job-queues.js';
import { DEFAULT_STREAM_MAXLEN, DEFAULT_STREAM_RETENTION_MINUTES } from './bus/list-messages.js';
import { EnvFileError, loadDefaultEnvFileOnce } from './env-file.js';
import { isLoopbackName } from './http-origin.js';

/**
 * The one place configuration is read. Every variable is typed, defaulted and documented here; the README
 * and `.env.example` list the same names (a test keeps the three in step). A bad value stops start-up with
 * a message naming the variable.
 */

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const num = () => z.coerce.number().finite();
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

/** A comma-separated list; blanks dropped. */
const commaList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  );

export const configSchema = z.object({
  /** Market data source: `sim` (built-in simulated market), `polygon` (vendor REST + WebSocket) or `replay`. */
  FEED: z.enum(['sim', 'polygon', 'replay']).default('sim'),
  /** Vendor API key. `MASSIVE_API_KEY` is accepted as an alias. */
  POLYGON_API_KEY: optionalString,
  MASSIVE_API_KEY: optionalString,
  /** Vendor REST base URL (legacy host: https://api.polygon.io). */
  POLYGON_REST_URL: z.string().url().default('https://api.massive.com'),
  /** Vendor WebSocket URL (legacy host: wss://socket.polygon.io/stocks). */
  POLYGON_WS_URL: z.string().url().default('wss://socket.massive.com/stocks'),
  /** Aggregate channels the feed subscribes per hot symbol: `A` (per second), `AM` (per minute) or `A,AM`. */
  POLYGON_WS_CHANNELS: z
    .string()
    .default('A')
    .transform((s) => s.replace(/\s+/g, ''))
    .pipe(z.enum(['A', 'AM', 'A,AM']))
    .transform((s) => s.split(',') as ('A' | 'AM')[]),
  /**
   * The vendor's flat files (S3, reference §11): endpoint, bucket and the S3 keys of the vendor's dashboard
   * (not the API key). With both keys set, history backfills read one file per day instead of a request per
   * ticker.
   */
  FLATFILES_URL: z.string().url().default('https://files.massive.com'),
  FLATFILES_BUCKET: z.string().min(1).default('flatfiles'),
  FLATFILES_ACCESS_KEY: optionalString,
  FLATFILES_SECRET_KEY: optionalString,
  /** FEED=sim: universe size, seed, speed (simulated ms per wall ms) and where the simulated clock starts. */
  SIM_TICKERS: int(20, 50_000).default(12_000),
  SIM_SEED: int(0).default(42),
  SIM_SPEED: num().positive().default(1),
  /** 'now', an ISO instant, or a session name (PRE_MARKET, MARKET_OPEN, POST_MARKET: today's or the next). */
  SIM_START: z.string().min(1).default('MARKET_OPEN'),
  /**
   * FEED=sim: whether the hot set gets per-second bars between snapshots (as the vendor's WebSocket gives).
   * `false` simulates a plan without the stream: every scan is a snapshot scan (the fault cases use it to tell
   * every published scan from its persisted rows).
   */
  SIM_HOT_BARS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** FEED=replay: the recording to play (SPEC §10 format). */
  REPLAY_FILE: z.string().min(1).default('samples/day.ndjson'),
  /** FEED=replay: playback speed (1 = recorded pace, 60 = a minute per second, 0 = as fast as possible). */
  REPLAY_SPEED: num().min(0).default(1),
  /** Full-market snapshot period in milliseconds. */
  SNAPSHOT_INTERVAL_MS: int(250).default(5000),
  /**
   * No fresh vendor data for this long during a session → `stale`; no orchestrator report for this long →
   * `down` (SPEC §8). Default 3 × SNAPSHOT_INTERVAL_MS (filled in by loadConfig).
   */
  STALE_AFTER_MS: int(1000).optional(),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key, stream and BullMQ queue the product owns. */
  REDIS_PREFIX: z.string().min(1).default('scanner'),
  /** PostgreSQL. Without a user in the URL, PGUSER, USER or the OS account name is used (as psql does). */
  DATABASE_URL: z.string().url().default('postgres://127.0.0.1:5432/scanner').transform(withDefaultUser),
  /** Port of the gateway: WebSocket at /ws, REST under /api/, /health, /metrics and the web page at /. */
  GATEWAY_PORT: int(0, 65535).default(8080),
  GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  /** Accepted client tokens, comma-separated; empty = no auth, allowed only on a loopback bind. */
  GATEWAY_TOKENS: commaList,
  /**
   * Host names the gateway answers to (DNS-rebinding defence), comma-separated; empty = the loopback names plus
   * GATEWAY_HOST when it is a specific address; `*` = any name (only with GATEWAY_TOKENS).
   */
  GATEWAY_HOSTS: commaList,
  /** Browser Origins (scheme://host[:port]) allowed on WebSocket upgrades and REST writes besides the gateway's own pages. */
  GATEWAY_ORIGINS: commaList.pipe(
    z.array(z.string().url({ message: 'each origin must be a URL such as https://app.example' })),
  ),
  /** Open WebSocket connections per client address; more upgrades are refused (429). */
  GATEWAY_MAX_CONNECTIONS_PER_IP: int(1).default(200),
  /** WebSocket upgrades per client address per second; more are refused (429). */
  GATEWAY_MAX_UPGRADES_PER_SECOND: int(1).default(20),
  /**
   * permessage-deflate of list messages: `off`, or `shared` (one compressor, each message on its own; ≈ 3× fewer
   * bytes on the wire for lists, paid in gateway CPU per message sent).
   */
  GATEWAY_COMPRESSION: z.enum(['off', 'shared']).default('off'),
  /** Port and bind address of the job dashboard (bull-board). */
  DASHBOARD_PORT: int(0, 65535).default(8081),
  DASHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  /** HTTP basic-auth credentials of the dashboard; an empty password = no auth, allowed only on a loopback bind. */
  DASHBOARD_USER: z.string().min(1).default('admin'),
  DASHBOARD_PASSWORD: z.string().default(''),
  /** piscina pool size. Default: cores − 1, at least 1. */
  WORKER_THREADS: int(1, 256).default(Math.max(1, os.availableParallelism() - 1)),
  /** RVOL lookback: the N most recent trading days before today with history. */
  RVOL_LOOKBACK_DAYS: int(1, 60).default(5),
  /** Fewer history days than this → RVOL is null ("warming"). */
  RVOL_MIN_DAYS: int(1, 60).default(1),
  /** Size of the score ranking from which the lists are drawn. */
  MAX_FILTERED: int(1, 10_000).default(200),
  /** Rows kept per list. */
  LIST_LIMIT: int(1, 1000).default(20),
  /** score = SCORE_RVOL_WEIGHT × rvol + SCORE_VOLUME_RATIO_WEIGHT × volumeRatio. */
  SCORE_RVOL_WEIGHT: num().default(10),
  SCORE_VOLUME_RATIO_WEIGHT: num().default(5),
  /** List thresholds, in percent or RVOL units (SPEC §5). */
  GAPPER_MIN_PCT: num().default(2),
  MOMENTUM_MIN_PCT: num().default(3),
  WINNER_MIN_PCT: num().default(5),
  ANOMALY_MIN_RVOL: num().default(3),
  HIGH_VOLUME_MIN_RVOL: num().default(2),
  NEAR_EXTREME_MAX_PCT: num().default(0.5),
  REVERSAL_MIN_CHANGE_PCT: num().default(2),
  REVERSAL_MIN_FROM_OPEN_PCT: num().default(1),
  /** Alerts (SPEC §14): running_up / running_down fire at |change1m| ≥ RUN_PCT percent. */
  RUN_PCT: num().positive().default(DEFAULT_ALERT_SETTINGS.runPct),
  /** volume_spike fires when rvolSlot reaches this (and was below it, or null, at the ticker's previous scan). */
  ALERT_VOLUME_SPIKE_RVOL: num().positive().default(DEFAULT_ALERT_SETTINGS.volumeSpikeRvol),
  /** Cooldowns per symbol and kind (entered_list: per symbol and list), in ms; 0 = none. */
  ALERT_NEW_EXTREME_COOLDOWN_MS: int(0).default(DEFAULT_ALERT_SETTINGS.cooldownMs.new_high),
  ALERT_RUNNING_COOLDOWN_MS: int(0).default(DEFAULT_ALERT_SETTINGS.cooldownMs.running_up),
  ALERT_VOLUME_SPIKE_COOLDOWN_MS: int(0).default(DEFAULT_ALERT_SETTINGS.cooldownMs.volume_spike),
  ALERT_ENTERED_LIST_COOLDOWN_MS: int(0).default(DEFAULT_ALERT_SETTINGS.cooldownMs.entered_list),
  /** Approximate count cap of the alerts stream in Redis (resync serves the last 200 of it). */
  ALERTS_STREAM_MAXLEN: int(200).default(DEFAULT_ALERTS_STREAM_MAXLEN),
  /** Days of alerts the `alerts` table keeps; older rows are deleted by the jobs process every hour. */
  ALERTS_RETENTION_DAYS: int(1, 3650).default(90),
  /** Hot rescans between snapshots are coalesced to at most this many scans per second. */
  MAX_SCANS_PER_SECOND: num().positive().default(4),
  /** How often the orchestrator re-reads filters from the database (changes apply without a restart). */
  FILTERS_RELOAD_MS: int(100).default(10_000),
  /**
   * Persist jobs (scan_results, volume_slots) are retried until they succeed; this caps the delay between two
   * attempts, so rows land at most this long after PostgreSQL returns from an outage of any length.
   */
  PERSIST_RETRY_MAX_DELAY_MS: int(100, 3_600_000).default(DEFAULT_RETRY_MAX_DELAY_MS),
  /**
   * Minutes of list messages the Redis stream keeps for gateways resuming after a hiccup (older entries are
   * trimmed; a gateway further behind reloads the lists from the snapshots hash). docs/redis-memory.md.
   */
  MESSAGES_RETENTION_MINUTES: num().positive().max(1440).default(DEFAULT_STREAM_RETENTION_MINUTES),
  /** Backstop: approximate count cap of that stream whatever the entries' age (bounds its bytes). */
  MESSAGES_STREAM_MAXLEN: int(100).default(DEFAULT_STREAM_MAXLEN),
  /**
   * Distinct user-defined scans evaluated per tick (SPEC §13), all gateways together; beyond it the newest are not
   * evaluated (counted in the metrics). docs/scans.md has the cost per tick.
   */
  SCANS_MAX: int(0, 100_000).default(1000),
  /**
   * User-defined scans one token may hold (SPEC §13): saved (/api/scans) and defined on its open WebSocket
   * connections to one gateway together.
   */
  SCANS_PER_TOKEN: int(0, 100).default(20),
  /** A symbol leaving every list is unsubscribed from the per-second stream after this long out. */
  HOT_GRACE_MS: int(0).default(60_000),
  /** Gateway heartbeat period. */
  HEARTBEAT_MS: int(100).default(5000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Omit<z.infer<typeof configSchema>, 'STALE_AFTER_MS'> & {
  /** POLYGON_API_KEY, else MASSIVE_API_KEY. */
  readonly apiKey: string | undefined;
  /** As set, else 3 × SNAPSHOT_INTERVAL_MS. */
  readonly STALE_AFTER_MS: number;
};

/** Start-up stops with this when a variable is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The vendor key a FEED=polygon process cannot run without.
 * @throws ConfigError when none is set: a restart cannot help (exit 2, pm2 leaves the app stopped).
 */
export function requireVendorKey(config: Pick<Config, 'apiKey'>): string {
  if (!config.apiKey) throw new ConfigError('FEED=polygon needs POLYGON_API_KEY (or MASSIVE_API_KEY)');
  return config.apiKey;
}

/**
 * Validates the variables of `schema` (configSchema, or a pick of it for a tool that needs only some) in `env`;
 * the error names every bad variable. Reading `process.env` first loads `.env` (shared/env-file.ts): this is
 * the one place every entry point goes through.
 */
export function parseVariables<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  if (env === process.env) {
    try {
      loadDefaultEnvFileOnce();
    } catch (e) {
      if (e instanceof EnvFileError) throw new ConfigError(`invalid configuration:\n  ${e.message}`);
      throw e;
    }
  }
  const known = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const r = schema.safeParse(known);
  if (!r.success) {
    const lines = r.error.issues.map(
      (i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`,
    );
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return r.data;
}

/** Reads and validates the configuration from an environment (process.env, after `.env`, by default). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const c = parseVariables(configSchema, env);
  if (c.GATEWAY_TOKENS.length === 0 && !isLoopback(c.GATEWAY_HOST)) {
    throw new ConfigError(
      `invalid configuration:\n  GATEWAY_TOKENS is empty but GATEWAY_HOST=${c.GATEWAY_HOST} is not a loopback address; ` +
        'set tokens or bind to 127.0.0.1',
    );
  }
  if (c.GATEWAY_TOKENS.length === 0 && c.GATEWAY_HOSTS.includes('*')) {
    throw new ConfigError(
      'invalid configuration:\n  GATEWAY_HOSTS=* accepts any Host name, which without GATEWAY_TOKENS opens the ' +
        'gateway to DNS rebinding; list the names or set tokens',
    );
  }
  if (c.DASHBOARD_PASSWORD === '' && !isLoopback(c.DASHBOARD_HOST)) {
    throw new ConfigError(
      `invalid configuration:\n  DASHBOARD_PASSWORD is empty but DASHBOARD_HOST=${c.DASHBOARD_HOST} is not a loopback address; ` +
        'set a password or bind to 127.0.0.1',
    );
  }
  return {
    ...c,
    apiKey: c.POLYGON_API_KEY ?? c.MASSIVE_API_KEY,
    STALE_AFTER_MS: c.STALE_AFTER_MS ?? 3 * c.SNAPSHOT_INTERVAL_MS,
  };
}

/**
 * node-postgres takes a URL's missing user from $USER alone, which service managers and containers often leave
 * unset; psql falls back to the OS account, and so do we.
 */
function withDefaultUser(url: string): string {
  const u = new URL(url);
  if (u.username === '') u.username = process.env.PGUSER || process.env.USER || os.userInfo().username;
  return u.toString();
}

/** A bind address on loopback, by the same rule as the Host names the servers accept (an IPv6 one unbracketed). */
function isLoopback(host: string): boolean {
  return isLoopbackName(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
}

/** The names of every configuration variable, for docs checks. */
export const CONFIG_VARIABLES = Object.keys(configSchema.shape);
