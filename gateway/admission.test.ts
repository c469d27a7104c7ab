import { describe, expect, it } from 'vitest';
import { Admission } from './admission.js';

/** An arbitrary wall-clock start, far from 0 like Date.now(). */
const T0 = 1_700_000_000_000;

describe('Admission', () => {
  it('admits up to the per-address connection cap and again once one closes', () => {
    const a = new Admission({ maxConnectionsPerIp: 3, maxUpgradesPerSecond: 100 });
    expect([1, 2, 3, 4].map(() => a.admit('10.0.0.1', T0))).toEqual([
      'admit',
      'admit',
      'admit',
      'connections_per_ip',
    ]);
    // Another address has its own count.
    expect(a.admit('10.0.0.2', T0)).toBe('admit');
    a.release('10.0.0.1');
    expect(a.connections('10.0.0.1')).toBe(2);
    expect(a.admit('10.0.0.1', T0 + 1)).toBe('admit');
  });

  it('refuses upgrades past the per-second rate, refused ones included, until the window passes', () => {
    const a = new Admission({ maxConnectionsPerIp: 1000, maxUpgradesPerSecond: 2 });
    expect(a.admit('::1', T0)).toBe('admit');
    expect(a.admit('::1', T0 + 10)).toBe('admit');
    expect(a.admit('::1', T0 + 20)).toBe('upgrade_rate');
    expect(a.admit('::1', T0 + 999)).toBe('upgrade_rate');
    expect(a.admit('::1', T0 + 1000)).toBe('admit');
    // Refusals did not count as connections.
    expect(a.connections('::1')).toBe(3);
  });

  it('forgets idle addresses on prune but keeps those with connections or a current window', () => {
    const a = new Admission({ maxConnectionsPerIp: 10, maxUpgradesPerSecond: 10 });
    a.admit('a', T0);
    a.admit('b', T0);
    a.admit('c', T0 + 900);
    a.release('b');
    a.release('c');
    a.prune(T0 + 1000);
    expect(a.size).toBe(2); // 'a' is open, 'c' is still in its window
    a.prune(T0 + 2000);
    expect(a.size).toBe(1);
    a.release('a');
    a.release('a'); // a double release does not go negative
    expect(a.connections('a')).toBe(0);
    a.prune(T0 + 2000);
    expect(a.size).toBe(0);
  });
});
