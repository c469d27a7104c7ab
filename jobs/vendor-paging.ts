import type { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import type { ReferenceTicker } from '../shared/vendor/reference-schema.js';
import type { TokenBucket } from './rate-limiter.js';

/*
 * Rate-limited access to the vendor's paginated endpoints. The client's page iterators fetch lazily, one
 * request per `next()`, so taking a token before each `next()` paces every page — `next_url` follow-ups
 * included — through the job's one bucket.
 */

/**
 * The pages of `pages`, each one fetched only after `limiter` grants a request. After a page without
 * `next_url` the iterator ends without a request, so no token is spent on it (12 s on the free plan).
 */
export async function* limitedPages<T extends { readonly next_url?: string | undefined }>(
  pages: AsyncGenerator<T, void, undefined>,
  limiter: TokenBucket,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  try {
    for (;;) {
      await limiter.take(signal);
      const step = await pages.next();
      if (step.done === true) return;
      yield step.value;
      if (step.value.next_url === undefined) return;
    }
  } finally {
    await pages.return(undefined);
  }
}

/** The vendor's whole active US-stock universe (`/v3/reference/tickers`, 1000 a page), ticker order. */
export async function listActiveTickers(
  rest: Pick<PolygonRestClient, 'tickers'>,
  limiter: TokenBucket,
  signal?: AbortSignal,
): Promise<ReferenceTicker[]> {
  const all: ReferenceTicker[] = [];
  const pages = rest.tickers({ market: 'stocks', active: true, limit: 1000 }, { signal });
  for await (const page of limitedPages(pages, limiter, signal)) all.push(...page.results);
  return all;
}
