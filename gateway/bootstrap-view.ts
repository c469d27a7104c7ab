import type { Redis } from 'ioredis';
import { readBootstrapStatus, type BootstrapStatusRead } from '../shared/bus/bootstrap-status.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';

/** How often the gateway re-reads the bootstrap status: the jobs process writes it at most once a second. */
const POLL_MS = 2000;

/**
 * The bootstrap's status as the gateway last read it (shared/bus/bootstrap-status.ts), for `/health`,
 * `/metrics` and, through `/health`, the web page's banner. Read in the background, so a probe never waits
 * on Redis: while Redis is down the last reading stays (`/health` says Redis is down anyway).
 */
export class BootstrapView {
  current: BootstrapStatusRead = { ok: false, reason: 'absent' };
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    if (this.inFlight || this.redis.status !== 'ready') return;
    this.inFlight = true;
    try {
      this.current = await readBootstrapStatus(this.redis, this.keys);
    } catch (err) {
      this.logger.debug({ err }, 'could not read the bootstrap status');
    } finally {
      this.inFlight = false;
    }
  }
}
