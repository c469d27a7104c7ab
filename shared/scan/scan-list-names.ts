import { createHash } from 'node:crypto';
import { canonicalScanKey, type ScanDefinition } from './scan-definition.js';

/**
 * The names of scan lists (SPEC §13): a scan is published as the list `scan:<id>`. Live, the id is derived from
 * what the scan computes (its canonical key, so identical definitions from several clients are one list); in
 * replay it is the scan file's own `id` (SPEC §10).
 */
export type ScanListName = `scan:${string}`;

/** `s` + 12 hex digits of the canonical key's SHA-256: short, stable across processes and restarts. */
export function scanKeyId(canonicalKey: string): string {
  return `s${createHash('sha256').update(canonicalKey).digest('hex').slice(0, 12)}`;
}

/** The live list a definition is published as: `scan:s…` from its canonical key (its `id` and `name` play no part). */
export function liveScanList(def: ScanDefinition): ScanListName {
  return `scan:${scanKeyId(canonicalScanKey(def))}`;
}

export const isScanListName = (name: string): name is ScanListName => name.startsWith('scan:');
