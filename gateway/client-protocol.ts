import { clientMessageSchema, type AnyListName, type ClientMessage } from '../shared/protocol/messages.js';
import { LIST_NAMES } from '../shared/scan/lists.js';

export type ParsedClientMessage =
  | { readonly ok: true; readonly msg: ClientMessage }
  | { readonly ok: false; readonly code: 'bad_request' | 'unknown_list'; readonly message: string };

const KNOWN = new Set<string>(LIST_NAMES);
const LIST_OPS = new Set(['subscribe', 'unsubscribe', 'resync']);

/**
 * A client frame checked against the SPEC §8 schema. A well-formed request naming a list that does not exist
 * gets `unknown_list` (the client can correct the name); anything else that fails gets `bad_request`.
 */
export function parseClientMessage(text: string): ParsedClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_request', message: 'not JSON' };
  }
  const r = clientMessageSchema.safeParse(raw);
  if (r.success) return { ok: true, msg: r.data };
  const unknown = unknownLists(raw);
  if (unknown.length > 0) {
    return {
      ok: false,
      code: 'unknown_list',
      message: `unknown list ${unknown.map((l) => JSON.stringify(l)).join(', ')}`,
    };
  }
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, code: 'bad_request', message: `${where}${issue?.message ?? 'invalid message'}` };
}

/** The list names of a list op that are strings but not lists (empty when the problem is elsewhere). */
function unknownLists(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const { op, list, lists } = raw as { op?: unknown; list?: unknown; lists?: unknown };
  if (typeof op !== 'string' || !LIST_OPS.has(op)) return [];
  const names = op === 'resync' ? [list] : Array.isArray(lists) ? lists : [];
  return names.filter(
    (n): n is string => typeof n === 'string' && n !== '*' && !KNOWN.has(n) && !n.startsWith('scan:'),
  );
}

/** The lists a subscribe/unsubscribe selects: `"*"` means every built-in list (scans are named one by one). */
export function selectedLists(lists: readonly (AnyListName | '*')[]): readonly AnyListName[] {
  const named = lists.filter((l): l is AnyListName => l !== '*');
  return lists.includes('*') ? [...new Set([...LIST_NAMES, ...named])] : named;
}
