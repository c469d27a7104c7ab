import { DEFAULT_COLUMNS, inColumnOrder, isColumnKey, type ColumnKey } from './columns.js';
import { fromWhere, type ConditionDraft } from './scan-form.js';
import type { SortSpec } from './sort.js';

/*
 * The page's layout: which panels, in which order, each with its rows shown, columns and sort; and the density.
 * Kept in localStorage, so it survives reloads. Pure functions over a readonly value: the view asks for a new
 * layout and saves it. A panel names any list the gateway streams (the 11 built-in lists, `scan:<id>` lists) or
 * `alerts` (the alert window, at most one: the connection has one alert subscription), so the store never checks
 * a name against a fixed set.
 */

export type Density = 'compact' | 'comfortable';

export interface PanelConfig {
  /** Stable within the layout (`p1`, `p2`…): panels of the same list are still told apart. */
  readonly id: string;
  readonly list: string;
  /** How many rows are shown (the top of the panel's order). */
  readonly rows: number;
  readonly columns: readonly ColumnKey[];
  /** null: the server's order (by rank). */
  readonly sort: SortSpec | null;
  /** The alert window's kinds not shown (nor heard). */
  readonly hiddenKinds?: readonly string[];
  /** The alert window's filter as typed, sent to the gateway as the subscription's `where`. */
  readonly filter?: readonly (readonly ConditionDraft[])[];
}

/** The alert window's list name in a layout. */
export const ALERTS_PANEL = 'alerts';

export type PanelPatch = Partial<Pick<PanelConfig, 'rows' | 'columns' | 'sort' | 'hiddenKinds' | 'filter'>>;

export interface Layout {
  readonly density: Density;
  readonly panels: readonly PanelConfig[];
}

export const STORAGE_KEY = 'open-scanner.layout.v1';
export const ROW_CHOICES = [5, 10, 15, 20, 30, 50, 100] as const;
const DEFAULT_ROWS = 15;
const MAX_PANELS = 24;

/**
 * Six lists that differ at the open (the 11 stacked repeat each other: gappers, winners and momentum hold
 * much the same names then), three across at 1366 px.
 */
export const DEFAULT_LISTS = [
  'gappers_up',
  'momentum_up',
  'anomalies',
  'gappers_down',
  'new_highs',
  'reversals',
] as const;

const panel = (id: string, list: string): PanelConfig => ({
  id,
  list,
  rows: DEFAULT_ROWS,
  columns: DEFAULT_COLUMNS,
  sort: null,
});

export const DEFAULT_LAYOUT: Layout = {
  density: 'compact',
  panels: DEFAULT_LISTS.map((l, i) => panel(`p${i + 1}`, l)),
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isListName = (v: unknown): v is string =>
  typeof v === 'string' && /^[a-z0-9_]+(:[A-Za-z0-9_-]{1,64})?$/.test(v);

function parsePanel(v: unknown): PanelConfig | null {
  if (!isRecord(v) || typeof v.id !== 'string' || !isListName(v.list)) return null;
  const rows = ROW_CHOICES.find((r) => r === v.rows) ?? DEFAULT_ROWS;
  const columns = Array.isArray(v.columns) ? inColumnOrder(v.columns.filter(isColumnKey)) : [];
  const s = v.sort;
  const sort: SortSpec | null =
    isRecord(s) && isColumnKey(s.key) && (s.dir === 'asc' || s.dir === 'desc')
      ? { key: s.key, dir: s.dir }
      : null;
  const base = {
    id: v.id,
    list: v.list,
    rows,
    columns: columns.length > 0 ? columns : DEFAULT_COLUMNS,
    sort,
  };
  if (v.list !== ALERTS_PANEL) return base;
  const hiddenKinds = Array.isArray(v.hiddenKinds) ? v.hiddenKinds.filter((k) => typeof k === 'string') : [];
  return { ...base, hiddenKinds, filter: fromWhere(v.filter) };
}

/** A stored layout, each part checked; what cannot be read falls back to the default, never throws. */
export function parseLayout(v: unknown): Layout {
  if (!isRecord(v) || !Array.isArray(v.panels)) return DEFAULT_LAYOUT;
  const seen = new Set<string>();
  let alerts = 0;
  const panels = v.panels.flatMap((p) => {
    const parsed = parsePanel(p);
    if (!parsed || seen.has(parsed.id)) return [];
    if (parsed.list === ALERTS_PANEL && alerts++ > 0) return [];
    seen.add(parsed.id);
    return [parsed];
  });
  return {
    density: v.density === 'comfortable' ? 'comfortable' : 'compact',
    panels: panels.slice(0, MAX_PANELS),
  };
}

export function loadLayout(storage: Pick<Storage, 'getItem'>): Layout {
  try {
    const text = storage.getItem(STORAGE_KEY);
    return text === null ? DEFAULT_LAYOUT : parseLayout(JSON.parse(text));
  } catch {
    return DEFAULT_LAYOUT; // unreadable JSON, or storage refused (private mode): start from the default
  }
}

export function saveLayout(storage: Pick<Storage, 'setItem'>, layout: Layout): void {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(layout));
  } catch {
    // Storage full or refused: the layout still works for this visit.
  }
}

/** A panel of `list` appended at the end (no-op past MAX_PANELS). */
export function addPanel(layout: Layout, list: string): Layout {
  if (layout.panels.length >= MAX_PANELS || !isListName(list)) return layout;
  if (list === ALERTS_PANEL && layout.panels.some((p) => p.list === ALERTS_PANEL)) return layout;
  const next = Math.max(0, ...layout.panels.map((p) => Number(p.id.slice(1)) || 0)) + 1;
  return { ...layout, panels: [...layout.panels, panel(`p${next}`, list)] };
}

/** Removes every panel of `list` (a scan deleted). */
export const removeList = (layout: Layout, list: string): Layout => ({
  ...layout,
  panels: layout.panels.filter((p) => p.list !== list),
});

export const removePanel = (layout: Layout, id: string): Layout => ({
  ...layout,
  panels: layout.panels.filter((p) => p.id !== id),
});

/** Moves a panel `by` places (−1 earlier, +1 later), clamped to the ends. */
export function movePanel(layout: Layout, id: string, by: number): Layout {
  const from = layout.panels.findIndex((p) => p.id === id);
  if (from < 0) return layout;
  const to = Math.min(layout.panels.length - 1, Math.max(0, from + by));
  if (to === from) return layout;
  const panels = [...layout.panels];
  const [moved] = panels.splice(from, 1);
  panels.splice(to, 0, moved!);
  return { ...layout, panels };
}

export function updatePanel(layout: Layout, id: string, patch: PanelPatch): Layout {
  return {
    ...layout,
    panels: layout.panels.map((p) =>
      p.id !== id
        ? p
        : {
            ...p,
            ...patch,
            ...(patch.columns ? { columns: inColumnOrder(patch.columns) } : {}),
          },
    ),
  };
}

export const setDensity = (layout: Layout, density: Density): Layout => ({ ...layout, density });
