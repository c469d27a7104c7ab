/// <reference lib="dom" />
import type { AlertKind } from '../../shared/alerts/alert-settings.js';

/*
 * One sound per alert kind, made with the Web Audio API (an oscillator and a gain envelope per note: nothing to
 * download). Up moves rise and sound bright, down moves fall and sound darker, a volume spike buzzes, a halt is
 * a low long note: a trader tells them apart without looking. The mute switch is kept in localStorage.
 *
 * At the open the stream carries hundreds of alerts a minute (docs/alerts.md): a kind sounds at most once per
 * MIN_GAP_MS, so a burst is one cue per kind, not noise.
 */

export interface Tone {
  readonly wave: OscillatorType;
  /** Hz, one note each, played one after the other. */
  readonly notes: readonly number[];
  readonly noteMs: number;
}

export const TONES: Readonly<Record<AlertKind, Tone>> = {
  new_high: { wave: 'sine', notes: [660, 880], noteMs: 90 },
  new_low: { wave: 'sine', notes: [440, 330], noteMs: 90 },
  running_up: { wave: 'triangle', notes: [784, 988, 1175], noteMs: 70 },
  running_down: { wave: 'triangle', notes: [587, 494, 392], noteMs: 70 },
  volume_spike: { wave: 'square', notes: [220, 220], noteMs: 60 },
  entered_list: { wave: 'sine', notes: [1047], noteMs: 120 },
  halt: { wave: 'sawtooth', notes: [147], noteMs: 400 },
  resume: { wave: 'sawtooth', notes: [294, 392], noteMs: 150 },
};

export const MIN_GAP_MS = 1000;
const MUTE_KEY = 'open-scanner.alerts-muted.v1';
/** Quiet enough to sit under a conversation; square and sawtooth waves sound louder at the same gain. */
const GAIN = 0.08;

type AudioContextClass = new () => AudioContext;

export class AlertSound {
  private context: AudioContext | undefined;
  private readonly lastAt = new Map<AlertKind, number>();
  private isMuted: boolean;
  private readonly listeners = new Set<(muted: boolean) => void>();

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem'>) {
    let stored: string | null = null;
    try {
      stored = storage.getItem(MUTE_KEY);
    } catch {
      // Storage refused: sound on, as by default.
    }
    this.isMuted = stored === 'true';
  }

  /**
   * Browsers start a page's audio suspended until the user does something: the first click or key anywhere
   * resumes it, so the alerts that follow are heard.
   */
  unlockOnGesture(target: Pick<Document, 'addEventListener'>): void {
    const resume = () => {
      if (!this.isMuted) void this.audio()?.resume();
    };
    target.addEventListener('pointerdown', resume, { once: true });
    target.addEventListener('keydown', resume, { once: true });
  }

  get muted(): boolean {
    return this.isMuted;
  }

  onMuted(listener: (muted: boolean) => void): void {
    this.listeners.add(listener);
  }

  setMuted(muted: boolean): void {
    this.isMuted = muted;
    try {
      this.storage.setItem(MUTE_KEY, String(muted));
    } catch {
      // Kept for this visit only.
    }
    // A click on the switch is the user gesture a browser wants before it lets a page make sound.
    if (!muted) void this.audio()?.resume();
    for (const l of this.listeners) l(muted);
  }

  /** Plays `kind`'s tone now, unless muted or the kind sounded less than MIN_GAP_MS ago; true when played. */
  play(kind: AlertKind, now = Date.now()): boolean {
    if (this.isMuted) return false;
    const last = this.lastAt.get(kind);
    if (last !== undefined && now - last < MIN_GAP_MS) return false;
    const ctx = this.audio();
    if (!ctx) return false;
    this.lastAt.set(kind, now);
    const tone = TONES[kind];
    let at = ctx.currentTime;
    for (const hz of tone.notes) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = tone.wave;
      osc.frequency.value = hz;
      const end = at + tone.noteMs / 1000;
      // A short attack and release: no click at either end of the note.
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(GAIN, at + 0.01);
      gain.gain.linearRampToValueAtTime(0, end);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(end);
      at = end + 0.02;
    }
    return true;
  }

  /** The page's one AudioContext, made on first use (undefined where the browser has none). */
  private audio(): AudioContext | undefined {
    if (this.context) return this.context;
    const w = window as unknown as {
      AudioContext?: AudioContextClass;
      webkitAudioContext?: AudioContextClass;
    };
    const Ctor = w.AudioContext ?? w.webkitAudioContext;
    if (!Ctor) return undefined;
    this.context = new Ctor();
    return this.context;
  }
}
