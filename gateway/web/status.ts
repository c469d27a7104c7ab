import type { Freshness, SourceState } from '../../shared/protocol/messages.js';
import type { ConnectionStatus } from '../../shared/sdk/list-client.js';
import { bootstrapBanner } from './bootstrap-banner.js';
import { byId, setText } from './dom.js';
import { formatClock, formatNyTime, freshnessAge, sessionTitle, sourceTitle } from './format.js';

/*
 * The header's status: the connection and, while connected, how fresh the lists are in words (SPEC §8: only
 * `live` ever says "Live"), the data's age growing second by second from the gateway's last word, the session,
 * the New York clock, the time of the newest list message, and the first-start bootstrap's progress.
 */

const STATUS_TEXT: Readonly<Record<ConnectionStatus, string>> = {
  connecting: 'Connecting…',
  open: 'Connected',
  closed: 'Disconnected — retrying',
};

const SOURCE_NOTES: Readonly<Record<SourceState, string>> = {
  live: 'The feed delivers and the last scan is recent',
  stale: 'The market-data vendor has not delivered fresh data: the lists are not moving',
  closed: 'No session now: the last lists are kept',
  down: 'The scanner has not reported: dead or stuck. The lists shown are its last',
};

/** How often the page asks `/health` for the bootstrap's progress (the gateway re-reads it every 2 s). */
const BOOTSTRAP_POLL_MS = 5000;

export class StatusBar {
  private readonly pill = byId('status');
  private readonly pillText = this.pill.querySelector('span')!;
  private readonly session = byId('session');
  private readonly updated = byId<HTMLTimeElement>('updated');
  private readonly age = byId('age');
  private readonly clock = byId('clock');
  private connection: ConnectionStatus = 'connecting';
  /** The gateway's last word on freshness, and when (this page's clock) it came: the age grows from there. */
  private fresh: { readonly f: Freshness; readonly at: number } | undefined;
  private lastTs: string | undefined;
  private readonly listeners = new Set<(source: SourceState | undefined) => void>();

  start(): void {
    this.tick();
    setInterval(() => this.tick(), 1000);
    // Heartbeats come every few seconds: /health says it at once (it needs no token).
    fetch('/health', { cache: 'no-store' })
      .then((res) => res.json() as Promise<Freshness & { bootstrap?: unknown }>)
      .then((f) => {
        if (!this.fresh) this.setFreshness({ source: f.source, ageMs: f.ageMs, session: f.session });
      })
      .catch(() => undefined);
    followBootstrap(byId('bootstrap'));
  }

  /** Called with the source state the page should show (undefined while not connected). */
  onSource(listener: (source: SourceState | undefined) => void): void {
    this.listeners.add(listener);
  }

  /** The source state as shown now: only known while connected. */
  source(): SourceState | undefined {
    return this.connection === 'open' ? this.fresh?.f.source : undefined;
  }

  setConnection(status: ConnectionStatus): void {
    this.connection = status;
    this.show();
  }

  setFreshness(f: Freshness): void {
    this.fresh = { f, at: Date.now() };
    this.show();
  }

  /** A list message's `ts` and the session of its first row. */
  listUpdated(ts: string, session: Freshness['session']): void {
    if (this.lastTs === undefined || ts > this.lastTs) this.lastTs = ts;
    setText(this.updated, formatClock(this.lastTs));
    this.updated.dateTime = this.lastTs;
    if (session && !this.fresh?.f.session) setText(this.session, sessionTitle(session));
  }

  private tick(): void {
    setText(this.clock, formatNyTime(Date.now()));
    this.show();
  }

  private show(): void {
    const source = this.source();
    this.pill.dataset.status = this.connection;
    if (source) this.pill.dataset.source = source;
    else delete this.pill.dataset.source;
    setText(this.pillText, source ? sourceTitle(source) : STATUS_TEXT[this.connection]);
    this.pill.title = source ? SOURCE_NOTES[source] : 'The connection to the scanner';
    for (const l of this.listeners) l(source);
    if (!this.fresh) return;
    const { source: s, ageMs, session } = this.fresh.f;
    setText(this.age, freshnessAge(s, ageMs === null ? null : ageMs + Date.now() - this.fresh.at));
    if (session) setText(this.session, sessionTitle(session));
  }
}

/** Shows the first-start bootstrap's progress ("Warming up: history 3,412 / 12,000 tickers · ETA 4 min"). */
function followBootstrap(el: HTMLElement): void {
  const poll = async () => {
    try {
      // /health answers 503 while the data is stale; its body carries the bootstrap either way.
      const res = await fetch('/health', { cache: 'no-store' });
      const banner = bootstrapBanner(((await res.json()) as { bootstrap?: unknown }).bootstrap);
      el.hidden = banner === null;
      if (banner !== null) {
        setText(el, banner.text);
        el.dataset.tone = banner.tone;
      }
    } catch {
      // The connection status already says when the gateway cannot be reached.
    }
  };
  void poll();
  setInterval(() => void poll(), BOOTSTRAP_POLL_MS);
}
