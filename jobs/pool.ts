/*
 * Bounded concurrency for per-symbol vendor work: `concurrency` loops pull the next item from a shared
 * cursor, so a slow symbol never holds up the others and at most `concurrency` requests are in flight.
 */

/**
 * Runs `task` over `items` with at most `concurrency` at once. Stops handing out items once `signal`
 * aborts. A task that throws stops the pool: the other loops finish their current item and take no
 * more, then the first error is rethrown. Tasks that must not stop the pool catch their own errors.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let next = 0;
  let failure: { error: unknown } | undefined;
  const loop = async () => {
    while (failure === undefined && !signal?.aborted && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, loop));
  if (failure !== undefined) throw failure.error;
}
