import { describe, expect, it } from 'vitest';
import {
  addPanel,
  DEFAULT_LAYOUT,
  loadLayout,
  movePanel,
  parseLayout,
  removeList,
  removePanel,
  saveLayout,
  setDensity,
  STORAGE_KEY,
  updatePanel,
} from './layout-store.js';

/** A Storage with only what the store uses. */
function memoryStorage(initial?: string) {
  const data = new Map<string, string>(initial === undefined ? [] : [[STORAGE_KEY, initial]]);
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  };
}

describe('the layout store', () => {
  it('starts from six different lists, compact', () => {
    expect(loadLayout(memoryStorage()).panels.map((p) => p.list)).toEqual([
      'gappers_up',
      'momentum_up',
      'anomalies',
      'gappers_down',
      'new_highs',
      'reversals',
    ]);
    expect(DEFAULT_LAYOUT.density).toBe('compact');
  });

  it('adds, moves, configures and removes panels, and reads back what it saved', () => {
    let l = addPanel(DEFAULT_LAYOUT, 'winners');
    l = addPanel(l, 'scan:mine'); // any list name the gateway streams, scans included
    expect(l.panels.slice(-2).map((p) => [p.id, p.list])).toEqual([
      ['p7', 'winners'],
      ['p8', 'scan:mine'],
    ]);
    l = movePanel(l, 'p7', -10);
    expect(l.panels[0]!.list).toBe('winners');
    l = updatePanel(l, 'p7', { rows: 50, columns: ['score', 'symbol'], sort: { key: 'score', dir: 'asc' } });
    l = removePanel(setDensity(l, 'comfortable'), 'p1');
    const storage = memoryStorage();
    saveLayout(storage, l);
    const back = loadLayout(storage);
    expect(back).toEqual(l);
    expect(back.panels[0]).toEqual({
      id: 'p7',
      list: 'winners',
      rows: 50,
      columns: ['symbol', 'score'],
      sort: { key: 'score', dir: 'asc' },
    });
    expect(back.density).toBe('comfortable');
  });

  it('reads a damaged or foreign layout part by part and never throws', () => {
    expect(loadLayout(memoryStorage('{not json'))).toBe(DEFAULT_LAYOUT);
    expect(parseLayout({ panels: 'no' })).toBe(DEFAULT_LAYOUT);
    const l = parseLayout({
      density: 'huge',
      panels: [
        { id: 'p1', list: 'winners', rows: 7, columns: ['nope', 'price'], sort: { key: 'nope', dir: 'asc' } },
        { id: 'p1', list: 'losers' }, // a duplicate id
        { id: 'p2', list: '<script>' },
        { id: 'p3', list: 'losers', columns: [] },
      ],
    });
    expect(l.density).toBe('compact');
    expect(l.panels.map((p) => p.id)).toEqual(['p1', 'p3']);
    expect(l.panels[0]).toMatchObject({ rows: 15, columns: ['price'], sort: null });
    expect(l.panels[1]!.columns).toEqual(DEFAULT_LAYOUT.panels[0]!.columns);
  });

  it('keeps working when the storage refuses to write', () => {
    const full = {
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => saveLayout(full, DEFAULT_LAYOUT)).not.toThrow();
  });

  it('holds one alert window, with its hidden kinds and its filter as typed, and scan panels by any id', () => {
    let l = addPanel(addPanel(DEFAULT_LAYOUT, 'alerts'), 'alerts');
    expect(l.panels.filter((p) => p.list === 'alerts')).toHaveLength(1);
    const id = l.panels.at(-1)!.id;
    const filter = [[{ field: 'price', op: '>=' as const, value: '20' }]];
    l = updatePanel(l, id, { hiddenKinds: ['new_low'], filter });
    l = addPanel(addPanel(l, 'scan:big-movers'), 'scan:big-movers');
    const stored = memoryStorage();
    saveLayout(stored, l);
    const back = loadLayout(stored);
    expect(back.panels.find((p) => p.id === id)).toMatchObject({
      list: 'alerts',
      hiddenKinds: ['new_low'],
      filter,
    });
    // A scan deleted takes all its panels with it.
    expect(back.panels.filter((p) => p.list === 'scan:big-movers')).toHaveLength(2);
    expect(removeList(back, 'scan:big-movers').panels.some((p) => p.list.startsWith('scan:'))).toBe(false);
    // A stored layout with two alert windows (edited by hand) keeps the first.
    const two = parseLayout({
      panels: [
        { id: 'p1', list: 'alerts' },
        { id: 'p2', list: 'alerts' },
      ],
    });
    expect(two.panels.map((p) => p.id)).toEqual(['p1']);
    expect(two.panels[0]).toMatchObject({ hiddenKinds: [], filter: [] });
  });
});
