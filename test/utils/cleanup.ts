import { onTestFinished } from 'vitest';

/** A resource's closer threw; vitest lists it after the test's own errors, so neither hides the other. */
export class CleanupError extends Error {
  constructor(
    readonly what: string,
    cause: unknown,
  ) {
    super(`cleanup failed (${what}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CleanupError';
  }
}

/**
 * Registers `close` to run when the current test ends, passed or failed. Call it where the resource is made,
 * so that a test failing half-way closes exactly what it had opened.
 *
 * Built on vitest's `onTestFinished`: closers run after the test and its afterEach hooks, in reverse order of
 * registration (a resource is closed before the ones it was built on), each one even when an earlier one threw.
 * A closer that throws fails the test with a CleanupError added to the test's errors, not in place of them.
 * `what` names the resource in that error (by default the closer's source text).
 */
export function onCleanup(close: () => unknown, what: string = close.toString()): void {
  onTestFinished(async () => {
    try {
      await close();
    } catch (e) {
      throw new CleanupError(what, e);
    }
  });
}
