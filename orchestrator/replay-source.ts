import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Logger } from '../shared/logger.js';
import { parseRecordingLineAt } from '../shared/replay/recording.js';
import type { MarketEvent, MarketSource } from './market-source.js';

export interface ReplaySourceOptions {
  readonly file: string;
  /**
   * Playback speed: 1 = the recording's own pace, 60 = a minute per second, Infinity = as fast as the
   * orchestrator takes them (events are then stamped with their recorded instants, not wall time).
   */
  readonly speed: number;
  readonly logger?: Logger;
  /** Called once the whole file has been played. */
  readonly onEnd?: () => void;
}

/**
 * Plays a recording (SPEC §10) as a live source. Events keep their recorded `at` as the engine's clock, so a
 * replayed day scans exactly as it did live whatever the speed; the speed only paces the playback.
 */
export class ReplaySource implements MarketSource {
  readonly name = 'replay';
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly o: ReplaySourceOptions) {}

  start(sink: (event: MarketEvent) => void): Promise<void> {
    this.done = this.play(sink).catch((err: unknown) => {
      if (!this.abort.signal.aborted) this.o.logger?.error({ err }, 'replay source failed');
    });
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async play(sink: (event: MarketEvent) => void): Promise<void> {
    const lines = createInterface({ input: createReadStream(this.o.file), crlfDelay: Infinity });
    let lineNumber = 0;
    let first: { at: number; wall: number } | undefined;
    try {
      for await (const text of lines) {
        lineNumber++;
        if (this.abort.signal.aborted) return;
        if (text.trim() === '') continue;
        const event = parseRecordingLineAt(text, this.o.file, lineNumber);
        first ??= { at: event.at, wall: Date.now() };
        if (Number.isFinite(this.o.speed)) {
          const due = first.wall + (event.at - first.at) / this.o.speed;
          await sleep(due - Date.now(), this.abort.signal);
          if (this.abort.signal.aborted) return;
        } else {
          // Yield so the orchestrator's loop runs between events instead of after the whole file.
          await new Promise((r) => setImmediate(r));
        }
        sink(
          event.kind === 'snapshot'
            ? {
                kind: 'snapshot-rows',
                at: event.at,
                tickers: event.tickers,
                ...(event.halted ? { halted: event.halted } : {}),
              }
            : { kind: 'aggregates', at: event.at, events: event.events },
        );
      }
      this.o.onEnd?.();
    } finally {
      lines.close();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
