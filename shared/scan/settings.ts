import { DEFAULT_ALERT_SETTINGS, type AlertSettings } from '../alerts/alert-settings.js';
import { configSchema, parseVariables, type Config } from '../config.js';

/** The knobs of the scan semantics (SPEC §3–§5), separate from process configuration so pure code and
 * worker threads get a small plain object. Defaults are the SPEC's. */
export interface ScanSettings {
  readonly lookbackDays: number;
  readonly minHistoryDays: number;
  readonly maxFiltered: number;
  readonly listLimit: number;
  readonly rvolWeight: number;
  readonly volumeRatioWeight: number;
  readonly thresholds: ListThresholds;
  /** Alert thresholds and cooldowns (SPEC §14). */
  readonly alerts: AlertSettings;
}

export interface ListThresholds {
  /** gappers_up/down: |changePercent| ≥ this. */
  readonly gapperPct: number;
  /** momentum_up/down (MARKET_OPEN only): |changePercent| ≥ this. */
  readonly momentumPct: number;
  /** winners/losers: |changePercent| ≥ this. */
  readonly winnerPct: number;
  /** anomalies: (rvolSlot ?? rvol) ≥ this. */
  readonly anomalyRvol: number;
  /** high_volume: rvol ≥ this. */
  readonly highVolumeRvol: number;
  /** new_highs/new_lows: |priceFromHigh| or |priceFromLow| ≤ this. */
  readonly nearExtremePct: number;
  /** reversals: |changePercent| ≥ this and gapFromOpen against it by ≥ reversalFromOpenPct. */
  readonly reversalChangePct: number;
  readonly reversalFromOpenPct: number;
}

export const DEFAULT_SCAN_SETTINGS: ScanSettings = {
  lookbackDays: 5,
  minHistoryDays: 1,
  maxFiltered: 200,
  listLimit: 20,
  rvolWeight: 10,
  volumeRatioWeight: 5,
  thresholds: {
    gapperPct: 2,
    momentumPct: 3,
    winnerPct: 5,
    anomalyRvol: 3,
    highVolumeRvol: 2,
    nearExtremePct: 0.5,
    reversalChangePct: 2,
    reversalFromOpenPct: 1,
  },
  alerts: DEFAULT_ALERT_SETTINGS,
};

/** The configuration variables of the scan semantics: all that replay reads (SPEC §10). */
export const SCAN_VARIABLES = [
  'RVOL_LOOKBACK_DAYS',
  'RVOL_MIN_DAYS',
  'MAX_FILTERED',
  'LIST_LIMIT',
  'SCORE_RVOL_WEIGHT',
  'SCORE_VOLUME_RATIO_WEIGHT',
  'GAPPER_MIN_PCT',
  'MOMENTUM_MIN_PCT',
  'WINNER_MIN_PCT',
  'ANOMALY_MIN_RVOL',
  'HIGH_VOLUME_MIN_RVOL',
  'NEAR_EXTREME_MAX_PCT',
  'REVERSAL_MIN_CHANGE_PCT',
  'REVERSAL_MIN_FROM_OPEN_PCT',
  'RUN_PCT',
  'ALERT_VOLUME_SPIKE_RVOL',
  'ALERT_NEW_EXTREME_COOLDOWN_MS',
  'ALERT_RUNNING_COOLDOWN_MS',
  'ALERT_VOLUME_SPIKE_COOLDOWN_MS',
  'ALERT_ENTERED_LIST_COOLDOWN_MS',
] as const satisfies readonly (keyof Config)[];
export type ScanVariables = Pick<Config, (typeof SCAN_VARIABLES)[number]>;

/**
 * Reads and validates the scan variables alone (process.env and `.env` by default), so that a variable a tool
 * does not use — a gateway bound to 0.0.0.0 without tokens, say — cannot stop it.
 */
export function loadScanVariables(env: NodeJS.ProcessEnv = process.env): ScanVariables {
  const mask = Object.fromEntries(SCAN_VARIABLES.map((k) => [k, true])) as Record<
    (typeof SCAN_VARIABLES)[number],
    true
  >;
  return parseVariables(configSchema.pick(mask), env);
}

export function scanSettingsFromConfig(c: ScanVariables): ScanSettings {
  return {
    lookbackDays: c.RVOL_LOOKBACK_DAYS,
    minHistoryDays: c.RVOL_MIN_DAYS,
    maxFiltered: c.MAX_FILTERED,
    listLimit: c.LIST_LIMIT,
    rvolWeight: c.SCORE_RVOL_WEIGHT,
    volumeRatioWeight: c.SCORE_VOLUME_RATIO_WEIGHT,
    thresholds: {
      gapperPct: c.GAPPER_MIN_PCT,
      momentumPct: c.MOMENTUM_MIN_PCT,
      winnerPct: c.WINNER_MIN_PCT,
      anomalyRvol: c.ANOMALY_MIN_RVOL,
      highVolumeRvol: c.HIGH_VOLUME_MIN_RVOL,
      nearExtremePct: c.NEAR_EXTREME_MAX_PCT,
      reversalChangePct: c.REVERSAL_MIN_CHANGE_PCT,
      reversalFromOpenPct: c.REVERSAL_MIN_FROM_OPEN_PCT,
    },
    alerts: {
      runPct: c.RUN_PCT,
      volumeSpikeRvol: c.ALERT_VOLUME_SPIKE_RVOL,
      cooldownMs: {
        new_high: c.ALERT_NEW_EXTREME_COOLDOWN_MS,
        new_low: c.ALERT_NEW_EXTREME_COOLDOWN_MS,
        running_up: c.ALERT_RUNNING_COOLDOWN_MS,
        running_down: c.ALERT_RUNNING_COOLDOWN_MS,
        volume_spike: c.ALERT_VOLUME_SPIKE_COOLDOWN_MS,
        entered_list: c.ALERT_ENTERED_LIST_COOLDOWN_MS,
        halt: 0,
        resume: 0,
      },
    },
  };
}
