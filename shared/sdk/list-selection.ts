import type { AnyListName } from '../protocol/messages.js';
import { LIST_NAMES } from '../scan/lists.js';

/** A built-in list, `"*"` (every built-in list), or `scan:<id>` (a scan defined with defineScan, or saved). */
export type ListSelection = AnyListName | '*';

/** The lists a selection names, each once. */
export function expand(lists: readonly ListSelection[]): AnyListName[] {
  const named = lists.filter((l): l is AnyListName => l !== '*');
  return [...new Set<AnyListName>(lists.includes('*') ? [...LIST_NAMES, ...named] : named)];
}

/** The shortest selection of `wanted`: `"*"` for the built-in lists when all are in it. */
export function selectionOf(wanted: ReadonlySet<AnyListName>): ListSelection[] {
  if (!LIST_NAMES.every((l) => wanted.has(l))) return [...wanted];
  return ['*', ...[...wanted].filter((l) => l.startsWith('scan:'))];
}
