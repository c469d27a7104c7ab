import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { SequencerState } from '../scan/deltas.js';
import { LIST_NAMES, type ListName } from '../scan/lists.js';
import type { Keys } from './keys.js';

/*
 * The sequencer state key (`keys.sequencerState`): the epoch, each list's seq and what was last sent, as JSON.
 * Its only writer and reader is the orchestrator: written last in each publish MULTI (so it always matches the
 * last messages published) and read back at start and after a failed publish, so a restarted orchestrator
 * resumes every list at seq + 1 with no gap (SPEC §6).
 */

const listStateSchema = z.object({
  seq: z.number().int().nonnegative(),
  symbols: z.array(z.string()),
  sent: z.record(
    z.string(),
    z.object({
      price: z.number().nullable(),
      volumeToday: z.number().nullable(),
      changePercent: z.number().nullable(),
      rvol: z.number().nullable(),
    }),
  ),
});

export const sequencerStateSchema = z.object({
  epoch: z.string().min(1),
  lists: z.object(
    Object.fromEntries(LIST_NAMES.map((l) => [l, listStateSchema])) as Record<
      ListName,
      typeof listStateSchema
    >,
  ),
});

/** Queues the write of `state` on `multi` (the publish MULTI, after the messages it describes). */
export function putSequencerState(multi: ChainableCommander, keys: Keys, state: SequencerState): void {
  multi.set(keys.sequencerState, JSON.stringify(state));
}

/**
 * The sequencer state a previous run published, or null when there is none or it is unreadable — the caller
 * then starts a new epoch with snapshots, which clients treat as a resync.
 */
export async function loadSequencerState(
  redis: Redis,
  keys: Keys,
  logger?: Logger,
): Promise<SequencerState | null> {
  const text = await redis.get(keys.sequencerState);
  if (text === null) return null;
  try {
    const r = sequencerStateSchema.safeParse(JSON.parse(text));
    if (r.success) return r.data;
    logger?.error(
      { issues: r.error.issues.slice(0, 3) },
      'stored sequencer state is invalid; starting a new epoch',
    );
  } catch (err) {
    logger?.error({ err }, 'stored sequencer state is not JSON; starting a new epoch');
  }
  return null;
}
