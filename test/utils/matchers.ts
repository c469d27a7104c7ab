import { expect } from 'vitest';

/*
 * Vitest's asymmetric matchers, typed as the value they stand in for. Vitest declares `expect.any`,
 * `expect.stringContaining` and `expect.stringMatching` as returning `any`, which the typed lint
 * (no-unsafe-assignment) rejects wherever one fills a field of an expected object. At run time each helper
 * returns vitest's own matcher, unchanged; only its static type says what it matches.
 */

/** `expect.any(String)`: any string. */
export function anyString(): string {
  return expect.any(String) as string;
}

/** `expect.any(Number)`: any number. */
export function anyNumber(): number {
  return expect.any(Number) as number;
}

/** `expect.stringContaining(part)`: a string that contains `part`. */
export function stringContaining(part: string): string {
  return expect.stringContaining(part) as string;
}

/** `expect.stringMatching(pattern)`: a string that matches `pattern`. */
export function stringMatching(pattern: RegExp): string {
  return expect.stringMatching(pattern) as string;
}
