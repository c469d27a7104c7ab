/**
 * The alert kinds of SPEC §14 and their knobs (thresholds, cooldowns), with the SPEC's defaults. A plain object
 * like ScanSettings, read from the configuration by scan/settings.ts (replay reads the same variables).
 */

/** The kinds, in the order alerts of one scan are published (SPEC §14: by kind, then symbol, then list). */
export const ALERT_KINDS = [
  'new_high',
  'new_low',
  'running_up',
  'running_down',
  'volume_spike',
  'entered_list',
  'halt',
  'resume',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface AlertSettings {
  /** running_up / running_down: |change1m| ≥ this, in percent (RUN_PCT). */
  readonly runPct: number;
  /** volume_spike: rvolSlot crosses up through this (ALERT_VOLUME_SPIKE_RVOL). */
  readonly volumeSpikeRvol: number;
  /** Per kind: an alert fires only if the same one did not fire within this many ms before (0: no cooldown). */
  readonly cooldownMs: Readonly<Record<AlertKind, number>>;
}

/** SPEC §14's table. */
export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  runPct: 1.5,
  volumeSpikeRvol: 5,
  cooldownMs: {
    new_high: 60_000,
    new_low: 60_000,
    running_up: 120_000,
    running_down: 120_000,
    volume_spike: 300_000,
    entered_list: 300_000,
    halt: 0,
    resume: 0,
  },
};
