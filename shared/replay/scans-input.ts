import { formatScanIssues, scanSchema, type ScanDefinition } from '../scan/scan-definition.js';
import { ReplayInputError } from './errors.js';
import { lineOfElement, parseJson } from './inputs.js';

/**
 * Replay's `--scans` file (SPEC §10): a JSON array of scan definitions (§13), each published as the list
 * `scan:<id>` after the 11 built-in lists, in file order. Validated whole with the one scan schema: a bad scan
 * stops the replay with its index, its line and the schema's reason (`scans.json line 7: scan 2:
 * where[0][0].field: unknown field "chnage5m"`); two scans with one id would publish one list twice, so that is
 * refused too.
 */
export function parseScansJson(text: string, file = 'scans'): ScanDefinition[] {
  const value = parseJson(text, file);
  if (!Array.isArray(value)) throw new ReplayInputError(file, 1, 'expected a JSON array of scans');
  const ids = new Set<string>();
  return value.map((item, index) => {
    const fail = (reason: string) =>
      new ReplayInputError(file, lineOfElement(text, index), `scan ${index}: ${reason}`);
    const r = scanSchema.safeParse(item);
    if (!r.success) throw fail(formatScanIssues(r.error).join('; '));
    if (ids.has(r.data.id)) throw fail(`id: duplicate scan id "${r.data.id}"`);
    ids.add(r.data.id);
    return r.data;
  });
}
