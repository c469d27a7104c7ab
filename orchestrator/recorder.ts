import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes what a live source receives as a recording (SPEC §10) so that any real day can be replayed. The
 * snapshot body is written as the vendor sent it — the text is spliced in, not parsed and re-serialised — so
 * a replay decodes exactly the bytes the live system decoded.
 */
export class Recorder {
  private readonly out: WriteStream;
  private lastAt = -Infinity;
  /** Lines written. */
  lines = 0;

  constructor(readonly file: string) {
    this.out = createWriteStream(file, { flags: 'a' });
  }

  /** `halted`: the symbols halted at `at`, when the source knows halts (SPEC §14; replay reads them back). */
  snapshot(at: number, bodyText: string, halted?: readonly string[]): void {
    const halts = halted === undefined ? '' : `,"halted":${JSON.stringify(halted)}`;
    this.write(at, `{"at":${JSON.stringify(iso(at))},"snapshot":${bodyText.trim()}${halts}}\n`);
  }

  aggregates(at: number, events: readonly unknown[]): void {
    if (events.length === 0) return;
    this.write(at, `${JSON.stringify({ at: iso(at), aggregates: events })}\n`);
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish');
  }

  /** Replay requires non-decreasing `at`; a late event is stamped with the last instant written. */
  private write(at: number, line: string): void {
    if (at < this.lastAt) line = line.replace(JSON.stringify(iso(at)), JSON.stringify(iso(this.lastAt)));
    else this.lastAt = at;
    this.out.write(line);
    this.lines++;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
