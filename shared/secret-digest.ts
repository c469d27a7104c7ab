import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Secrets (gateway tokens, the dashboard password) are compared as SHA-256 digests: every digest has the same
 * length, which timingSafeEqual requires, and neither the time taken nor an early exit tells a caller how long
 * the secret is.
 */
export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Constant-time: whether `given` hashes to `expected` (a {@link secretDigest}). */
export function matchesDigest(expected: Buffer, given: string): boolean {
  return timingSafeEqual(expected, secretDigest(given));
}
