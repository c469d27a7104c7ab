import type { AlertMessage } from '../protocol/alert-messages.js';
import type { BuiltInListMessage, ScanRow } from '../protocol/messages.js';
import type { ListName } from '../scan/lists.js';
import { presetScans } from '../scan/scan-presets.js';
import { DEFAULT_SCAN_SETTINGS } from '../scan/settings.js';
import type { AlertKind } from './alert-settings.js';
import type { DetectedAlert, ListAdd } from './detect.js';

/** The alerts stream's position: its epoch and the seq of the last alert published (0: none yet). */
export interface AlertSequence {
  readonly epoch: string;
  readonly seq: number;
}

/**
 * Sequences the alerts stream (SPEC §14: seq/epoch like a list, append-only). Continues a stored position (after a
 * restart), or starts a new epoch at seq 1 when there is none — clients treat an epoch change as a resync.
 */
export class AlertSequencer {
  private position: AlertSequence;

  constructor(newEpoch: () => string, restored?: AlertSequence | null) {
    this.position = restored ?? { epoch: newEpoch(), seq: 0 };
  }

  get state(): AlertSequence {
    return this.position;
  }

  /** Numbers `alerts` in order, from the last seq + 1. */
  sequence(alerts: readonly Omit<AlertMessage, 'epoch' | 'seq'>[]): AlertMessage[] {
    const { epoch } = this.position;
    let { seq } = this.position;
    const out = alerts.map(({ type, ...rest }) => ({ type, epoch, seq: ++seq, ...rest }));
    this.position = { epoch, seq };
    return out;
  }
}

/** The built-in lists' names for people ("Gappers up"), from their presets (one place for the names). */
const LIST_TITLES: Readonly<Record<ListName, string>> = Object.fromEntries(
  presetScans(DEFAULT_SCAN_SETTINGS.thresholds, 1).map((s) => [s.id, s.name]),
) as Record<ListName, string>;

/** A price as traders read it: at least 2 decimals, at most 4 (sub-dollar prices keep their precision). */
export function formatPrice(p: number): string {
  const s = String(Number(p.toFixed(4)));
  const dot = s.indexOf('.');
  const decimals = dot < 0 ? 0 : s.length - dot - 1;
  return decimals >= 2 ? s : p.toFixed(2);
}

const pct = (v: number) => Math.abs(v).toFixed(1);

/** SPEC §14's `description`: short and human ("New high 12.34", "Up 2.1 % in 1 min", "Entered Gappers up at #3"). */
export function describeAlert(kind: AlertKind, value: number | null, list: ListName | null): string {
  switch (kind) {
    case 'new_high':
      return `New high ${formatPrice(value!)}`;
    case 'new_low':
      return `New low ${formatPrice(value!)}`;
    case 'running_up':
      return `Up ${pct(value!)} % in 1 min`;
    case 'running_down':
      return `Down ${pct(value!)} % in 1 min`;
    case 'volume_spike':
      return `Volume spike: ${value!.toFixed(1)}× the usual 5 min`;
    case 'entered_list':
      return `Entered ${LIST_TITLES[list!]} at #${value!}`;
    case 'halt':
      return 'Trading halted';
    case 'resume':
      return 'Trading resumed';
  }
}

/** The `add`s of a scan's built-in list messages (SPEC §6; a snapshot is not an add), with each symbol's row. */
export function listAdds(
  messages: readonly BuiltInListMessage[],
  rowFor: (symbol: string) => number | undefined,
): ListAdd[] {
  const adds: ListAdd[] = [];
  for (const m of messages) {
    if (m.type !== 'delta') continue;
    for (const d of m.deltas) {
      if (d.action !== 'add') continue;
      const row = rowFor(d.symbol);
      if (row !== undefined) adds.push({ list: m.list, row, rank: d.rank });
    }
  }
  return adds;
}

/** The unsequenced alert messages of detected alerts, given each one's row (SPEC §8 row, rank = scoreRank). */
export function alertBodies(
  detected: readonly DetectedAlert[],
  rowOf: (row: number) => ScanRow,
  ts: string,
): Omit<AlertMessage, 'epoch' | 'seq'>[] {
  return detected.map((a) => {
    const row = rowOf(a.row);
    return {
      type: 'alert',
      ts,
      kind: a.kind,
      symbol: a.symbol,
      price: row.price,
      value: a.value,
      description: describeAlert(a.kind, a.value, a.list),
      list: a.list,
      row,
    };
  });
}
