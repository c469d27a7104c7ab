import { describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../shared/protocol/alert-messages.js';
import { scanRow } from '../../test/utils/scan-row.js';
import { AlertStore, FRESH_MS, isFresh, visibleAlerts } from './alert-store.js';

const T0 = Date.parse('2026-03-02T14:31:00.000Z');

function alert(seq: number, kind: AlertMessage['kind'], atSec = seq, epoch = 'e1'): AlertMessage {
  return {
    type: 'alert',
    epoch,
    seq,
    ts: new Date(T0 + atSec * 1000).toISOString(),
    kind,
    symbol: `S${seq}`,
    price: 10,
    value: 10,
    description: 'x',
    list: null,
    row: scanRow(`S${seq}`, 1),
  };
}

describe('the alerts the page holds', () => {
  it('keeps each alert once, newest first, at most the cap', () => {
    const store = new AlertStore(3);
    expect(store.add(alert(1, 'new_high'))).toBe(true);
    expect(store.add(alert(2, 'new_low'))).toBe(true);
    // A resync sends the recent ones again: nothing is held twice.
    expect(store.add(alert(1, 'new_high'))).toBe(false);
    expect(store.add(alert(3, 'halt'))).toBe(true);
    expect(store.add(alert(4, 'resume'))).toBe(true);
    expect(store.alerts.map((a) => a.seq)).toEqual([4, 3, 2]);
    // One of another epoch with the same seq is another alert; one older than all is placed by its instant.
    store.add(alert(4, 'halt', 10, 'e2'));
    expect(store.alerts.map((a) => `${a.epoch}/${a.seq}`)).toEqual(['e2/4', 'e1/4', 'e1/3']);
    store.add(alert(9, 'halt', 3.5));
    expect(store.alerts.map((a) => a.seq)).toEqual([4, 4, 9]);
  });

  it('shows the kinds not hidden, up to the rows shown', () => {
    const all = [alert(5, 'new_high'), alert(4, 'new_low'), alert(3, 'new_high'), alert(2, 'halt')];
    expect(visibleAlerts(all, new Set(['new_high']), 10).map((a) => a.seq)).toEqual([4, 2]);
    expect(visibleAlerts(all, new Set(), 2).map((a) => a.seq)).toEqual([5, 4]);
  });

  it('calls an alert news while it is recent on the gateway’s clock, so the backlog stays silent', () => {
    const a = alert(1, 'new_high', 0);
    expect(isFresh(a, T0 + FRESH_MS)).toBe(true);
    expect(isFresh(a, T0 + FRESH_MS + 1)).toBe(false);
  });
});
