import { describe, expect, it } from 'vitest';
import { VendorAuthError, VendorHttpError } from '../shared/vendor/errors.js';
import { createLogger } from '../shared/logger.js';
import { stringContaining } from '../test/utils/matchers.js';
import type { JobProgress } from './progress.js';
import {
  MAX_REPORTED_FAILURES,
  distinctSymbols,
  runVendorBatch,
  type BatchUnit,
  type VendorBatchOptions,
} from './vendor-batch.js';

/*
 * The skeleton alone, with requests that are plain promises: what the jobs' tests show against the fake
 * vendor over HTTP (backfill.test.ts, metadata-refresh.test.ts), here item by item and without timing.
 */

const silent = createLogger('test', 'silent');
const notFound = (symbol: string) =>
  new VendorHttpError(`GET /v3/reference/tickers/${symbol}: HTTP 404`, { status: 404, bodyExcerpt: '' });
/** A request that never answers: it ends only by rejecting with the signal's reason. */
const hanging = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- like fetch, it rejects with the abort reason unchanged, whatever the aborter passed
    const fail = () => reject(signal.reason);
    if (signal.aborted) fail();
    signal.addEventListener('abort', fail, { once: true });
  });
const symbols = (n: number) => Array.from({ length: n }, (_, i) => `S${String(i).padStart(3, '0')}`);

function batch(items: readonly string[], extra: Partial<VendorBatchOptions<string>>) {
  return runVendorBatch<string>({
    phase: 'details',
    items,
    symbolOf: (s) => s,
    concurrency: 1,
    logger: silent,
    failureMessage: 'a symbol failed',
    work: () => Promise.resolve(),
    ...extra,
  });
}

describe('runVendorBatch', () => {
  it('reports the phase before the first item, then after every item with the failed ones counted', async () => {
    const progress: JobProgress[] = [];
    const result = await batch(['AAA', 'BBB', 'CCC'], {
      onProgress: (p) => progress.push(p),
      work: async (symbol, unit) => {
        await unit.request(() => (symbol === 'BBB' ? Promise.reject(notFound(symbol)) : Promise.resolve()));
      },
    });
    expect(progress.map((p) => [p.phase, p.done, p.total, p.errors])).toEqual([
      ['details', 0, 3, 0],
      ['details', 1, 3, 0],
      ['details', 2, 3, 1],
      ['details', 3, 3, 1],
    ]);
    expect(progress.at(-1)?.etaSec).toBe(0);
    expect(result).toEqual({
      total: 3,
      done: 3,
      errors: 1,
      failures: [{ symbol: 'BBB', error: 'VendorHttpError: GET /v3/reference/tickers/BBB: HTTP 404' }],
      aborted: false,
    });
  });

  it('lets the work go on after a failed request, and lists only the first failure of an item', async () => {
    const reached: string[] = [];
    const result = await batch(['AAA'], {
      work: async (symbol, unit) => {
        const details = await unit.request(() => Promise.reject(notFound(`${symbol}/details`)));
        const bars = await unit.request(() => Promise.reject(notFound(`${symbol}/bars`)));
        const third = await unit.request(() => Promise.resolve('ok'));
        reached.push(`${String(details)} ${String(bars)} ${third}`);
      },
    });
    expect(reached).toEqual(['undefined undefined ok']);
    expect(result).toMatchObject({ done: 1, errors: 1 });
    expect(result.failures).toEqual([{ symbol: 'AAA', error: stringContaining('AAA/details') }]);
  });

  it(`counts every failure but lists only the first ${MAX_REPORTED_FAILURES}`, async () => {
    const items = symbols(MAX_REPORTED_FAILURES + 50);
    const result = await batch(items, {
      concurrency: 4,
      work: async (symbol, unit) => {
        await unit.request(() => Promise.reject(notFound(symbol)));
      },
    });
    expect(result).toMatchObject({ total: items.length, done: items.length, errors: items.length });
    expect(result.failures).toHaveLength(MAX_REPORTED_FAILURES);
    expect(result.failures[0]).toEqual({ symbol: 'S000', error: stringContaining('S000') });
  });

  it('stops on the caller’s abort: requests in flight are cancelled, no item is started, none is counted as failed', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const signals: AbortSignal[] = [];
    const work = async (symbol: string, unit: BatchUnit) => {
      started.push(symbol);
      signals.push(unit.signal);
      if (symbol === 'S002' || symbol === 'S003') {
        // Both in flight: the abort comes while they wait.
        if (symbol === 'S003') queueMicrotask(() => controller.abort(new Error('operator pressed Ctrl-C')));
        await unit.request(() => hanging(unit.signal));
      }
    };
    const result = await batch(symbols(6), { concurrency: 2, signal: controller.signal, work });
    expect(result).toEqual({ total: 6, done: 2, errors: 0, failures: [], aborted: true });
    expect(started).toEqual(['S000', 'S001', 'S002', 'S003']);
    expect(signals.every((s) => s.aborted)).toBe(true);
  });

  it('runs nothing when the caller’s signal is aborted already', async () => {
    const started: string[] = [];
    const result = await batch(symbols(3), {
      signal: AbortSignal.abort(new Error('stopped before the start')),
      work: (symbol) => {
        started.push(symbol);
        return Promise.resolve();
      },
    });
    expect(started).toEqual([]);
    expect(result).toMatchObject({ total: 3, done: 0, aborted: true });
  });

  it('does not call a run aborted when the caller aborts after the last item', async () => {
    const controller = new AbortController();
    const result = await batch(['AAA', 'BBB'], {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === p.total) controller.abort(new Error('too late'));
      },
    });
    expect(result).toMatchObject({ done: 2, aborted: false });
  });

  it('stops the whole run on a refused key: the error is thrown, the other requests cancelled, nothing new started', async () => {
    const refused = new VendorAuthError('GET /v3/reference/tickers/S001: HTTP 401', {
      status: 401,
      vendorMessage: 'Unknown API Key',
    });
    const started: string[] = [];
    let otherSignal: AbortSignal | undefined;
    const progress: JobProgress[] = [];
    const failure = await batch(symbols(5), {
      concurrency: 2,
      onProgress: (p) => progress.push(p),
      work: async (symbol, unit) => {
        started.push(symbol);
        if (symbol === 'S000') {
          otherSignal = unit.signal;
          await unit.request(() => hanging(unit.signal));
        }
        if (symbol === 'S001') await unit.request(() => Promise.reject(refused));
      },
    }).catch((err: unknown) => err);
    expect(failure).toBe(refused);
    expect(otherSignal?.aborted).toBe(true);
    expect(otherSignal?.reason).toBe(refused);
    expect(started).toEqual(['S000', 'S001']);
    // Neither the refused item nor the cancelled one counts as done.
    expect(progress.map((p) => p.done)).toEqual([0]);
  });

  it('stops the whole run on an error of the work itself (the database), cancelling the requests in flight', async () => {
    const dbDown = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    let otherSignal: AbortSignal | undefined;
    const failure = await batch(['AAA', 'BBB', 'CCC'], {
      concurrency: 2,
      work: async (symbol, unit) => {
        if (symbol === 'AAA') {
          otherSignal = unit.signal;
          await unit.request(() => hanging(unit.signal));
          return;
        }
        await unit.request(() => Promise.resolve('rows'));
        throw dbDown;
      },
    }).catch((err: unknown) => err);
    expect(failure).toBe(dbDown);
    expect(otherSignal?.aborted).toBe(true);
  });
});

describe('distinctSymbols', () => {
  it('trims, drops blanks and keeps the first of each symbol in order', () => {
    expect(distinctSymbols([' AAPL', 'MSFT', '', 'AAPL ', '  ', 'TSLA'])).toEqual(['AAPL', 'MSFT', 'TSLA']);
  });
});
