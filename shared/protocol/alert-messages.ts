import { z } from 'zod';
import { ALERT_KINDS } from '../alerts/alert-settings.js';
import { LIST_NAMES } from '../scan/lists.js';
import { scanRowSchema } from './messages.js';

/**
 * The alert message of SPEC §14: one event about one symbol at one scan instant, sequenced in the one alerts
 * stream (`seq` + 1 per alert within an `epoch`, append-only). Published by the orchestrator in the scan's
 * MULTI, written as `alert` lines by replay, served by the gateway, stored in the `alerts` table.
 *
 * `list` names the built-in list of an `entered_list` alert (null for every other kind): the description names
 * it for people, this field for programs, and it is part of the alert's identity (time, symbol, kind, list).
 */
export const alertMessageSchema = z.object({
  type: z.literal('alert'),
  epoch: z.string().min(1),
  seq: z.number().int().positive(),
  ts: z.string(),
  kind: z.enum(ALERT_KINDS),
  symbol: z.string().min(1),
  price: z.number(),
  /** new_high/new_low: the price; running_*: change1m; volume_spike: rvolSlot; entered_list: its rank; halt/resume: null. */
  value: z.number().nullable(),
  description: z.string(),
  list: z.enum(LIST_NAMES).nullable(),
  /** The ticker's row (SPEC §8) at that instant; rank = scoreRank. */
  row: scanRowSchema,
});
export type AlertMessage = z.infer<typeof alertMessageSchema>;
