import { CODE_COLUMNS, type CodeColumn } from './columns.js';
import type { CodeLookup } from './filters.js';

/** String ↔ code dictionaries for the categorical metadata columns. Codes are dense and never reused. */
export class CodeDictionary implements CodeLookup {
  private readonly codes = new Map<CodeColumn, Map<string, number>>(CODE_COLUMNS.map((c) => [c, new Map()]));
  private readonly values = new Map<CodeColumn, string[]>(CODE_COLUMNS.map((c) => [c, []]));

  /** The code of a value, assigning the next one if new; null stays -1. */
  intern(column: CodeColumn, value: string | null): number {
    if (value === null) return -1;
    const codes = this.codes.get(column)!;
    let code = codes.get(value);
    if (code === undefined) {
      code = codes.size;
      codes.set(value, code);
      this.values.get(column)!.push(value);
    }
    return code;
  }

  codeOf(column: CodeColumn, value: string): number | undefined {
    return this.codes.get(column)!.get(value);
  }

  valueOf(column: CodeColumn, code: number): string | null {
    return code < 0 ? null : (this.values.get(column)![code] ?? null);
  }

  size(column: CodeColumn): number {
    return this.codes.get(column)!.size;
  }
}
