import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALERT_KINDS } from '../../shared/alerts/alert-settings.js';
import { AlertSound, MIN_GAP_MS, TONES } from './alert-sound.js';

/** A Web Audio stand-in that records each oscillator started (the browser test spies the same way). */
function installAudioSpy(): { wave: string; hz: number }[] {
  const started: { wave: string; hz: number }[] = [];
  class Spy {
    currentTime = 0;
    destination = {};
    resume = () => Promise.resolve();
    createGain = () => ({
      gain: { setValueAtTime() {}, linearRampToValueAtTime() {} },
      connect: (d: unknown) => d,
    });
    createOscillator() {
      const o = {
        type: 'sine',
        frequency: { value: 0 },
        connect: (g: unknown) => g,
        stop() {},
        start: () => started.push({ wave: o.type, hz: o.frequency.value }),
      };
      return o;
    }
  }
  (globalThis as { window?: unknown }).window = { AudioContext: Spy };
  return started;
}

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  };
}

describe('the alert sounds', () => {
  let started: { wave: string; hz: number }[];
  beforeEach(() => {
    started = installAudioSpy();
  });
  afterEach(() => {
    delete (globalThis as { window?: unknown }).window;
  });

  it('gives every kind a tone of its own', () => {
    const tones = ALERT_KINDS.map((k) => JSON.stringify(TONES[k]));
    expect(new Set(tones).size).toBe(ALERT_KINDS.length);
  });

  it('plays a kind at most once per MIN_GAP_MS, each kind on its own clock', () => {
    const sound = new AlertSound(memoryStorage());
    expect(sound.play('new_high', 0)).toBe(true);
    expect(sound.play('new_high', MIN_GAP_MS - 1)).toBe(false);
    expect(sound.play('halt', MIN_GAP_MS - 1)).toBe(true);
    expect(sound.play('new_high', MIN_GAP_MS)).toBe(true);
    const notes = (k: keyof typeof TONES) => TONES[k].notes.map((hz) => ({ wave: TONES[k].wave, hz }));
    expect(started).toEqual([...notes('new_high'), ...notes('halt'), ...notes('new_high')]);
  });

  it('plays nothing while muted, and a new page remembers the mute', () => {
    const storage = memoryStorage();
    const sound = new AlertSound(storage);
    sound.setMuted(true);
    expect(sound.play('new_low', 0)).toBe(false);
    expect(started).toEqual([]);
    expect(new AlertSound(storage).muted).toBe(true);
    sound.setMuted(false);
    expect(new AlertSound(storage).muted).toBe(false);
    expect(sound.play('new_low', 0)).toBe(true);
  });
});
