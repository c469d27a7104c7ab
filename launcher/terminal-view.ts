import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import { readListSnapshots } from '../shared/bus/list-snapshots.js';
import type { ScanRow, SnapshotMessage } from '../shared/protocol/messages.js';
import { LIST_NAMES, type ListName } from '../shared/scan/lists.js';
import { formatListsTable } from '../orchestrator/lists-table.js';

/**
 * The lists as a terminal shows them, read back from Redis exactly as a gateway would read them: proof that
 * what is published is what a client gets. Used by `npm start` until the web page exists.
 */
export async function renderPublishedLists(redis: Redis, keys: Keys, rowsPerList: number): Promise<string> {
  const stored = await readListSnapshots(redis, keys);
  const lists = {} as Record<ListName, readonly ScanRow[]>;
  let latest: SnapshotMessage | undefined;
  for (const name of LIST_NAMES) {
    const snapshot = stored[name];
    const msg = snapshot?.ok ? snapshot.msg : undefined;
    lists[name] = msg?.rows ?? [];
    if (msg && (!latest || msg.ts > latest.ts)) latest = msg;
  }
  if (!latest) return 'waiting for the first scan…';
  const session = latest.rows[0]?.session ?? '';
  const header = `lists as of ${latest.ts} ${session} (epoch ${latest.epoch.slice(0, 8)})`;
  return `${header}\n\n${formatListsTable(lists, rowsPerList)}`;
}
