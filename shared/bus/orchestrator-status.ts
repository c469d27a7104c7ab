import type { ChainableCommander, Redis } from 'ioredis';
import { SOURCE_STATES, type Freshness, type SourceState } from '../protocol/messages.js';
import { SESSIONS, type Session } from '../scan/sessions.js';
import type { Keys } from './keys.js';

/*
 * The orchestrator's status (hash `keys.orchestratorStatus`): what a gateway needs to tell its clients how fresh
 * the lists are (SPEC §8). Two writers, one reader:
 *
 * - the report, written at least once a second (also while the market is closed and nothing is scanned), and in
 *   each scan's MULTI: when it was made (wall clock), the session of the market's clock, and the orchestrator's
 *   own verdict (`live`, `stale`, `closed`; `down` when it stops). A reader that finds it older than
 *   STALE_AFTER_MS says `down` itself: a dead or stuck process writes nothing, so silence is the signal.
 * - `receivedAtMs`, written in each scan's MULTI only: the wall-clock instant the data behind the published lists
 *   was received. It stays when the orchestrator stops or restarts, so the age of the lists served is still
 *   known after a restart, and it is never the scan's `ts` (a simulated or recorded clock) — ageMs is wall time.
 */

/** The orchestrator's periodic report. */
export interface OrchestratorReport {
  /** Wall clock (epoch ms) when it was written. */
  readonly reportedAtMs: number;
  /** The session of the market's clock (the simulator's under FEED=sim). */
  readonly session: Session;
  /** Its verdict on its own data; `down` written when it stops. */
  readonly state: SourceState;
}

/** What the hash holds; a field missing or unreadable is left out. */
export interface OrchestratorStatus extends Partial<OrchestratorReport> {
  /** Wall clock (epoch ms) when the data behind the newest published scan was received. */
  readonly receivedAtMs?: number;
}

/** Queues the report's write on `multi` (a scan's MULTI, or one of its own). */
export function putOrchestratorReport(
  multi: ChainableCommander,
  keys: Keys,
  report: OrchestratorReport,
): void {
  multi.hset(keys.orchestratorStatus, {
    reportedAtMs: report.reportedAtMs,
    session: report.session,
    state: report.state,
  });
}

/** Queues, on the scan's MULTI, when the data that scan published was received (wall clock, epoch ms). */
export function putReceivedAt(multi: ChainableCommander, keys: Keys, receivedAtMs: number): void {
  multi.hset(keys.orchestratorStatus, 'receivedAtMs', receivedAtMs);
}

export async function loadOrchestratorStatus(redis: Redis, keys: Keys): Promise<OrchestratorStatus> {
  const stored = await redis.hgetall(keys.orchestratorStatus);
  const number = (text: string | undefined): number | undefined => {
    const value = Number(text);
    return text !== undefined && text !== '' && Number.isFinite(value) ? value : undefined;
  };
  const oneOf = <T extends string>(values: readonly T[], text: string | undefined): T | undefined =>
    values.find((v) => v === text);
  const status: { -readonly [K in keyof OrchestratorStatus]: OrchestratorStatus[K] } = {};
  const reportedAtMs = number(stored.reportedAtMs);
  const receivedAtMs = number(stored.receivedAtMs);
  const session = oneOf(SESSIONS, stored.session);
  const state = oneOf(SOURCE_STATES, stored.state);
  if (reportedAtMs !== undefined) status.reportedAtMs = reportedAtMs;
  if (receivedAtMs !== undefined) status.receivedAtMs = receivedAtMs;
  if (session !== undefined) status.session = session;
  if (state !== undefined) status.state = state;
  return status;
}

/**
 * What a reader serves, at wall instant `nowMs`: the orchestrator's verdict while its report is recent, `down`
 * when there is none or it is older than `staleAfterMs` (or unreadable); the lists' age from `receivedAtMs`, not
 * clamped (a negative age would say the two processes' clocks disagree, which hiding would not fix).
 */
export function servedFreshness(status: OrchestratorStatus, nowMs: number, staleAfterMs: number): Freshness {
  const { reportedAtMs, state } = status;
  const recent = reportedAtMs !== undefined && nowMs - reportedAtMs <= staleAfterMs;
  return {
    source: recent && state !== undefined ? state : 'down',
    ageMs: status.receivedAtMs === undefined ? null : nowMs - status.receivedAtMs,
    session: status.session ?? null,
  };
}
