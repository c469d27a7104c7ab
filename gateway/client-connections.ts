import type { Logger } from '../shared/logger.js';
import type { AlertWhere } from '../shared/alerts/alert-where.js';
import type { AnyListName } from '../shared/protocol/messages.js';
import type { ScanListName } from '../shared/scan/scan-list-names.js';
import { Admission, type AdmissionRefusal } from './admission.js';
import { requestToken, tokenOwner, type TokenCheck } from './auth.js';
import { ClientPolicy, type ClientLimits } from './client-policy.js';
import { negotiateEncoding, type Encoding } from './frame-encoding.js';
import { refuseUpgrade as refuse } from './http.js';
import type { GatewayMetrics } from './metrics.js';
import { guardRefusalReply, type GuardRefusal, type RequestGuard } from './request-guard.js';
import type { HttpRequest, HttpResponse, SocketContext, WebSocket } from './uws.js';

/** WebSocket close codes the gateway sends. */
export const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_GOING_AWAY = 1001;

const DEFAULT_MAX_CONNECTIONS_PER_IP = 200;
const DEFAULT_MAX_UPGRADES_PER_SECOND = 20;

/** What the gateway keeps per WebSocket client (uWS user data). */
export interface ClientState {
  readonly id: number;
  /** The client's address, as admitted (released on close). */
  readonly address: string;
  /** Whose scans it may use and counts against (SCANS_PER_TOKEN): its token's digest (auth.ts tokenOwner). */
  readonly owner: string;
  /** What it follows: the name it subscribed to → the list published (the same, except for scans). */
  readonly subscriptions: Map<AnyListName, AnyListName>;
  /** The scans it defined on this connection (SPEC §13): its id → the list they are published as. */
  readonly scans: Map<string, ScanListName>;
  /** Whether it takes the alerts (SPEC §14), and which: those matching `where` ([] = all). */
  alerts: { readonly where: AlertWhere } | undefined;
  /** How its list messages are sent (the subprotocol it chose, frame-encoding.ts). */
  readonly encoding: Encoding;
  /** Rate limit, bad frames and conflation: the decisions, the gateway doing the I/O they name. */
  readonly policy: ClientPolicy;
}
export type Socket = WebSocket<ClientState>;

export interface ClientConnectionsOptions {
  readonly auth: TokenCheck;
  readonly guard: RequestGuard;
  readonly limits: ClientLimits;
  /** Open WebSocket connections per client address (default 200). */
  readonly maxConnectionsPerIp?: number;
  /** WebSocket upgrades per client address per second (default 20). */
  readonly maxUpgradesPerSecond?: number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/**
 * The connection lifecycle of `/ws` clients: the upgrade's admission (host/origin guard, token, per-address
 * limits), each client's state, the set of open sockets, and closing them all at shutdown. What a client asks for
 * once connected is client-ops.ts's; what is sent to it, fan-out.ts's.
 */
export class ClientConnections {
  private readonly open = new Set<Socket>();
  private readonly admission: Admission;
  private nextId = 1;

  constructor(private readonly o: ClientConnectionsOptions) {
    this.admission = new Admission({
      maxConnectionsPerIp: o.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP,
      maxUpgradesPerSecond: o.maxUpgradesPerSecond ?? DEFAULT_MAX_UPGRADES_PER_SECOND,
    });
  }

  /** The open sockets (the set changes as clients come and go: iterate a copy to close any). */
  get sockets(): ReadonlySet<Socket> {
    return this.open;
  }

  /**
   * uWS upgrade handler. Synchronous on purpose: uWS's request and response are only valid until the handler
   * returns or awaits.
   */
  readonly upgrade = (res: HttpResponse, req: HttpRequest, context: SocketContext): void => {
    const { metrics, logger } = this.o;
    const refused = this.o.guard.check({
      method: req.getMethod(),
      host: req.getHeader('host'),
      origin: req.getHeader('origin'),
      upgrade: true,
    });
    if (refused !== undefined) return this.refuseUpgrade(res, refused);
    const token = requestToken(req);
    if (!this.o.auth.accepts(token)) {
      metrics.unauthorized.inc({ via: 'ws' });
      return refuse(res, '401 Unauthorized', 'unauthorized', 'missing or wrong token');
    }
    const negotiated = negotiateEncoding(req.getHeader('sec-websocket-protocol'));
    if (!negotiated.ok) {
      metrics.refusedUpgrades.inc({ reason: 'protocol' });
      return refuse(res, '400 Bad Request', 'unsupported_protocol', negotiated.message);
    }
    const address = Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
    const admitted = this.admission.admit(address, Date.now());
    if (admitted !== 'admit') {
      logger.debug({ address, reason: admitted }, 'upgrade refused');
      return this.refuseUpgrade(res, admitted);
    }
    const state: ClientState = {
      id: this.nextId++,
      address,
      owner: tokenOwner(token),
      subscriptions: new Map(),
      scans: new Map(),
      alerts: undefined,
      encoding: negotiated.encoding,
      policy: new ClientPolicy(this.o.limits),
    };
    res.upgrade(
      state,
      req.getHeader('sec-websocket-key'),
      negotiated.protocol,
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  };

  opened(ws: Socket): void {
    this.open.add(ws);
    this.o.logger.debug({ client: ws.getUserData().id }, 'client connected');
  }

  closed(ws: Socket, code: number): void {
    this.open.delete(ws);
    this.admission.release(ws.getUserData().address);
    this.o.logger.debug({ client: ws.getUserData().id, code }, 'client disconnected');
  }

  /** Forgets upgrade attempts older than the rate window (called by the gateway's sweep). */
  prune(now: number): void {
    this.admission.prune(now);
  }

  /** Shutdown: a close frame to every client. */
  closeAll(): void {
    // end() runs the close handler at once, which edits the set: iterate a copy.
    for (const ws of [...this.open]) ws.end(CLOSE_GOING_AWAY, 'server shutting down');
  }

  private refuseUpgrade(res: HttpResponse, reason: GuardRefusal | AdmissionRefusal): void {
    this.o.metrics.refusedUpgrades.inc({ reason });
    if (reason === 'host' || reason === 'origin') {
      const r = guardRefusalReply(reason);
      return refuse(
        res,
        `${r.status} ${r.status === 421 ? 'Misdirected Request' : 'Forbidden'}`,
        r.code,
        r.message,
      );
    }
    const message =
      reason === 'upgrade_rate'
        ? 'too many connection attempts from this address; retry later'
        : 'too many connections from this address';
    refuse(res, '429 Too Many Requests', 'too_many_connections', message);
  }
}
