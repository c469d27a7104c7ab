import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';

/** The vendor's recorded responses (test/fixtures/polygon/, see its README). */
export const vendorFixturesDir = path.join(
  fileURLToPath(new URL('../../', import.meta.url)),
  'test',
  'fixtures',
  'polygon',
);

export function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(vendorFixturesDir, name), 'utf8'));
}

/** The paths of the issues `schema` finds in `value` (empty when it parses). */
export function issuePaths(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}
