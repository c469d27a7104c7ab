import type { ListMessage, ScanRow } from '../../shared/protocol/messages.js';

/**
 * What a client holds after applying `msg` to `held` (symbols in list order): the inverse of diffList for
 * symbols and ranks. A reference model written independently of shared/protocol/advance.ts (what the gateway
 * and the SDK run), so that tests can hold the real one against it.
 */
export function applyListMessage(held: readonly string[], msg: ListMessage): string[] {
  if (msg.type === 'snapshot') return msg.rows.map((r) => r.symbol);
  const removed = new Set(msg.deltas.filter((d) => d.action === 'remove').map((d) => d.symbol));
  const rankOf = new Map<string, number>();
  held.forEach((s, i) => removed.has(s) || rankOf.set(s, i + 1));
  for (const d of msg.deltas) {
    if (d.action === 'add') rankOf.set(d.symbol, d.rank);
    else if (d.action === 'rerank') rankOf.set(d.symbol, d.newRank);
  }
  const out: string[] = [];
  for (const [s, r] of rankOf) {
    if (out[r - 1] !== undefined) throw new Error(`rank ${r} claimed by ${out[r - 1]} and ${s}`);
    out[r - 1] = s;
  }
  if (out.length !== rankOf.size || out.includes(undefined as unknown as string)) {
    throw new Error(`ranks are not contiguous after seq ${msg.seq}`);
  }
  return out;
}

/**
 * The rows a client holds after applying `msg` to `held` (rows in list order): a snapshot's rows, an add's row,
 * an update's fields merged into the row held for its symbol (SPEC §6: only the fields that changed), each
 * row's `rank` its position. Written independently of shared/protocol/advance.ts, as above.
 */
export function applyListRows(held: readonly ScanRow[], msg: ListMessage): ScanRow[] {
  const bySymbol = new Map(held.map((r) => [r.symbol, r]));
  if (msg.type === 'delta')
    for (const d of msg.deltas) {
      if (d.action === 'add') bySymbol.set(d.symbol, d.row);
      else if (d.action === 'update') {
        const before = bySymbol.get(d.symbol);
        if (!before) throw new Error(`update of ${d.symbol}, which is not held`);
        bySymbol.set(d.symbol, { ...before, ...d.fields });
      }
    }
  else bySymbol.clear();
  const rows = msg.type === 'snapshot' ? msg.rows : undefined;
  return applyListMessage(
    held.map((r) => r.symbol),
    msg,
  ).map((symbol, i) => ({ ...(rows?.[i] ?? bySymbol.get(symbol)!), rank: i + 1 }));
}
