import type { Logger } from '../logger.js';
import type { AggregateEvent } from './aggregate-schema.js';
import type { BackoffOptions } from '../backoff.js';
import type { VendorAuthError } from './errors.js';

/** The vendor WebSocket client's options, states and counters (the client itself is polygon-ws.ts). */

/** Aggregate channels this client subscribes to: per-second and per-minute bars. */
export const AGGREGATE_CHANNELS = ['A', 'AM'] as const;
export type AggregateChannel = (typeof AGGREGATE_CHANNELS)[number];

export interface PolygonWsOptions {
  /** Aggregates of one frame, in frame order. Exceptions are counted and logged, never break the stream. */
  readonly onAggregates: (events: readonly AggregateEvent[], receivedAtMs: number) => void;
  /** The client has stopped for good: the vendor refused the key. */
  readonly onFatal?: (error: VendorAuthError) => void;
  /** `ready` after each successful auth; `disconnected` when a ready connection is lost (downstream resets). */
  readonly onConnectionChange?: (state: 'ready' | 'disconnected') => void;
  /** Default: POLYGON_API_KEY / MASSIVE_API_KEY. */
  readonly apiKey?: string;
  /** Default: POLYGON_WS_URL. */
  readonly url?: string;
  /** Default ['A']. */
  readonly channels?: readonly AggregateChannel[];
  /** Whether data is expected now; idle detection applies only then. Default: the session is not CLOSED. */
  readonly isSessionOpen?: () => boolean;
  /**
   * No message for this long during a session, with symbols subscribed, replaces the connection. Default
   * 60 000 ms: pings catch dead connections, so this only has to catch a vendor stream that stalled while the
   * connection lives, and a longer window spares thin premarket minutes when no hot name trades.
   */
  readonly idleMs?: number;
  /** WebSocket ping period, in every session state. Default 25 000 ms (the vendor's Go client's value). */
  readonly pingIntervalMs?: number;
  /** No pong (nor any frame) this long after a ping: the connection is dead. Default 10 000 ms. */
  readonly pongTimeoutMs?: number;
  /** How long a connection must stay up after auth before the reconnect backoff starts over. Default 30 000 ms. */
  readonly stableAfterMs?: number;
  /** Largest inbound message; a bigger one closes the connection (1009). Default 4 MiB. */
  readonly maxPayloadBytes?: number;
  /** From dialling to `auth_success`. Default 10 000 ms. */
  readonly authTimeoutMs?: number;
  /** Default 500 ms doubling up to 30 s. */
  readonly backoff?: BackoffOptions;
  /** Least wait after a `max_connections` eviction. Default 10 000 ms. */
  readonly evictedDelayMs?: number;
  /** Params per subscribe/unsubscribe message. Default 500. */
  readonly maxParamsPerMessage?: number;
  /** Outbound bytes queued on the socket past which messages are dropped. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  readonly logger?: Logger;
}

export type PolygonWsState =
  'idle' | 'connecting' | 'authenticating' | 'ready' | 'waiting' | 'closed' | 'failed';

/**
 * Counters of {@link PolygonWsClient.stats}: sockets opened (`connects`) and `authenticated`; `frames` and
 * `aggregates` delivered; `ignoredEvents` (well-formed T, Q, LULD…, unused here); `badElements` (failed the
 * schema; the rest of their frame was used); `badFrames` (not a JSON array); `handlerErrors`; vendor `acks`,
 * `vendorErrors`, `authTimeouts`, `evictions` (max_connections); `idleReconnects` (no data in a session);
 * `pongTimeouts` (no answer to a ping); `droppedOutbound`.
 */
export const WS_COUNTERS = [
  'connects',
  'authenticated',
  'frames',
  'aggregates',
  'ignoredEvents',
  'badElements',
  'badFrames',
  'handlerErrors',
  'acks',
  'vendorErrors',
  'authTimeouts',
  'evictions',
  'idleReconnects',
  'pongTimeouts',
  'droppedOutbound',
] as const;
export type PolygonWsStats = Record<(typeof WS_COUNTERS)[number], number>;
