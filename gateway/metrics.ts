import type { Redis } from 'ioredis';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { BOOTSTRAP_STATES, type BootstrapStatusRead } from '../shared/bus/bootstrap-status.js';
import type { Keys } from '../shared/bus/keys.js';
import { SOURCE_STATES, type Freshness } from '../shared/protocol/messages.js';
import {
  loadOrchestratorMetrics,
  ORCHESTRATOR_METRICS,
  type OrchestratorMetricName,
  type OrchestratorMetrics,
} from '../shared/bus/orchestrator-metrics.js';

/**
 * The gateway's `/metrics` (Prometheus text format): its own counters, the process's default metrics, and
 * the orchestrator's figures read from Redis at scrape time (see shared/bus/orchestrator-metrics.ts), so that one
 * scrape target shows the whole pipeline. Each gateway process has its own registry; with several gateways
 * on one port, a scrape reaches one of them (their `scanner_gateway_*` figures are per process).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly messagesForwarded: Counter;
  /** Bytes of list messages sent, by encoding (a publish counts once per subscriber of its topic). */
  readonly listBytes: Counter<'encoding'>;
  readonly conflations: Counter;
  readonly slowConsumerCloses: Counter;
  readonly clientErrors: Counter<'code'>;
  readonly unauthorized: Counter<'via'>;
  readonly httpRequests: Counter<'status'>;
  readonly refusedUpgrades: Counter<'reason'>;
  readonly refusedRequests: Counter<'reason'>;

  constructor(
    private readonly source: {
      readonly clients: () => number;
      readonly redisUp: () => boolean;
      readonly postgresUp: () => boolean;
      readonly freshness: () => Freshness;
      readonly redis: Redis;
      readonly keys: Keys;
      /** The first-start bootstrap's status as last read (bootstrap-view.ts). */
      readonly bootstrap?: () => BootstrapStatusRead;
      /** User scans held here (SPEC §13) and clients taking alerts (§14). */
      readonly scans?: () => {
        readonly connection: number;
        readonly saved: number;
        readonly alertClients: number;
      };
    },
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'scanner_gateway_' });
    this.messagesForwarded = new Counter({
      name: 'scanner_gateway_list_messages_total',
      help: 'List messages received from the stream and published to subscribers.',
      registers,
    });
    this.listBytes = new Counter({
      name: 'scanner_gateway_list_bytes_total',
      help:
        'Payload bytes of list messages (snapshots, deltas) sent to clients, by encoding (json, deflate): ' +
        'published messages count once per subscriber.',
      labelNames: ['encoding'],
      registers,
    });
    for (const encoding of ['json', 'deflate']) this.listBytes.inc({ encoding }, 0);
    this.conflations = new Counter({
      name: 'scanner_gateway_conflations_total',
      help: 'Times a slow client was taken off its lists (deltas paused, snapshots on drain).',
      registers,
    });
    this.slowConsumerCloses = new Counter({
      name: 'scanner_gateway_slow_consumer_closes_total',
      help: 'Clients closed with slow_consumer.',
      registers,
    });
    this.clientErrors = new Counter({
      name: 'scanner_gateway_client_errors_total',
      help: 'Error messages sent to WebSocket clients, by code.',
      labelNames: ['code'],
      registers,
    });
    this.unauthorized = new Counter({
      name: 'scanner_gateway_unauthorized_total',
      help: 'Requests refused for a missing or wrong token.',
      labelNames: ['via'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'scanner_gateway_http_responses_total',
      help: 'HTTP responses, by status.',
      labelNames: ['status'],
      registers,
    });
    this.refusedUpgrades = new Counter({
      name: 'scanner_gateway_refused_upgrades_total',
      help: 'WebSocket upgrades refused, by reason (host, origin, protocol, connections_per_ip, upgrade_rate).',
      labelNames: ['reason'],
      registers,
    });
    this.refusedRequests = new Counter({
      name: 'scanner_gateway_refused_requests_total',
      help: 'REST requests refused for their Host or Origin (DNS-rebinding defence), by reason.',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'scanner_gateway_clients',
      help: 'Open WebSocket connections.',
      registers,
      collect() {
        this.set(source.clients());
      },
    });
    new Gauge({
      name: 'scanner_gateway_redis_up',
      help: '1 while the list stream is being read and the snapshots are loaded.',
      registers,
      collect() {
        this.set(source.redisUp() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'scanner_gateway_postgres_up',
      help: "1 while PostgreSQL answers a ping (cached 2 s): the REST API's filters and ticker lookups work.",
      registers,
      collect() {
        this.set(source.postgresUp() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'scanner_gateway_source_state',
      help: 'Freshness of the lists served (SPEC §8): 1 for the current state (live, stale, closed, down), 0 else.',
      labelNames: ['state'],
      registers,
      collect() {
        const current = source.freshness().source;
        for (const state of SOURCE_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    new Gauge({
      name: 'scanner_gateway_source_age_seconds',
      help: 'Wall-clock seconds since the data behind the lists was received (absent before any list).',
      registers,
      collect() {
        const { ageMs } = source.freshness();
        this.reset();
        if (ageMs !== null) this.set(ageMs / 1000);
      },
    });
    new Gauge({
      name: 'scanner_gateway_user_scans',
      help: 'User-defined scans this gateway holds: on its open connections, and saved (all tokens).',
      labelNames: ['kind'],
      registers,
      collect() {
        const s = source.scans?.();
        this.reset();
        if (s) {
          this.set({ kind: 'connection' }, s.connection);
          this.set({ kind: 'saved' }, s.saved);
        }
      },
    });
    new Gauge({
      name: 'scanner_gateway_alert_clients',
      help: 'WebSocket clients subscribed to the alerts.',
      registers,
      collect() {
        this.set(source.scans?.().alertClients ?? 0);
      },
    });
    this.bootstrapGauges(registers);
  }

  /** The bootstrap's progress: left out (no series) until a jobs process with a vendor key has written one. */
  private bootstrapGauges(registers: Registry[]): void {
    const status = () => {
      const read = this.source.bootstrap?.();
      return read?.ok === true ? read.status : undefined;
    };
    new Gauge({
      name: 'scanner_bootstrap_state',
      help: 'First-start bootstrap: 1 for its current state (idle, running, done, failed), 0 for the others.',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const s = status();
        if (s !== undefined)
          for (const state of BOOTSTRAP_STATES) this.set({ state }, s.state === state ? 1 : 0);
      },
    });
    const figure = (
      name: string,
      help: string,
      value: (s: NonNullable<ReturnType<typeof status>>) => number | null,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['phase'],
        registers,
        collect() {
          this.reset();
          const s = status();
          const v = s === undefined ? null : value(s);
          if (s !== undefined && v !== null) this.set({ phase: s.phase ?? 'none' }, v);
        },
      });
    figure(
      'scanner_bootstrap_done',
      'Tickers the bootstrap has finished in its current step.',
      (s) => s.done,
    );
    figure(
      'scanner_bootstrap_total',
      'Tickers the bootstrap has to fetch in its current step.',
      (s) => s.total,
    );
    figure(
      'scanner_bootstrap_errors',
      'Tickers that failed in the current step (counted in done).',
      (s) => s.errors,
    );
    figure(
      'scanner_bootstrap_eta_seconds',
      'Seconds left in the current step at the current rate.',
      (s) => s.etaSec,
    );
    figure('scanner_bootstrap_requests', 'Vendor requests the bootstrap has made.', (s) => s.requests);
  }

  /**
   * The exposition text. The orchestrator's figures are written by hand from its Redis hash: they are
   * absolute values owned by another process, which prom-client's inc()-only counters cannot carry. They are
   * left out (not zeroed) before the orchestrator's first scan or while Redis cannot be read.
   */
  async render(): Promise<string> {
    const own = await this.registry.metrics();
    let values: Partial<OrchestratorMetrics> = {};
    try {
      values = await loadOrchestratorMetrics(this.source.redis, this.source.keys);
    } catch {
      // Redis down: scanner_gateway_redis_up says so.
    }
    return own + orchestratorText(values);
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function orchestratorText(values: Partial<OrchestratorMetrics>): string {
  let out = '';
  for (const [field, def] of Object.entries(ORCHESTRATOR_METRICS)) {
    const value = values[field as OrchestratorMetricName];
    if (value === undefined) continue;
    const name = `scanner_orchestrator_${snakeCase(field)}${def.type === 'counter' ? '_total' : ''}`;
    out += `# HELP ${name} ${def.help}\n# TYPE ${name} ${def.type}\n${name} ${value}\n`;
  }
  return out;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
