import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { syntheticSnapshotText } from '../bench/decode.bench.js';
import { VendorPayloadError } from '../shared/vendor/errors.js';
import { SNAPSHOT_FIELDS, type SnapshotColumns } from '../shared/vendor/snapshot-columns.js';
import { decodeSnapshot } from '../shared/vendor/snapshot-decoder.js';
import { decodeWorkerFile } from '../shared/worker-tasks/decode-snapshot.js';
import { DecodePool, DecodeWorkerError } from './decode-pool.js';

/** Plain arrays, so toEqual compares values (NaN included) rather than typed-array identity. */
function plain(c: SnapshotColumns) {
  return {
    ...c,
    fields: Object.fromEntries(SNAPSHOT_FIELDS.map((f) => [f, Array.from(c.fields[f])])),
  };
}

const body = syntheticSnapshotText(2000, {
  faults: ['string_number', 'negative', 'bad_symbol', 'duplicate', 'no_price', 'null_number'],
  faultEvery: 41,
});

describe('DecodePool (a real piscina worker thread)', () => {
  const pool = (o?: ConstructorParameters<typeof DecodePool>[0]) => {
    const p = new DecodePool(o);
    onCleanup(() => p.close());
    return p;
  };
  const tmp = mkdtempSync(path.join(tmpdir(), 'decode-pool-test-'));
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('decodes text exactly as decodeSnapshot does inline, rejections and samples included', async () => {
    const inline = decodeSnapshot(body);
    const viaWorker = await pool().decode(body);
    expect(inline.rejected.bad_number).toBeGreaterThan(0);
    expect(plain(viaWorker)).toEqual(plain(inline));
    expect(viaWorker.fields.lastTradeP).toBeInstanceOf(Float64Array);
  });

  it('decodes UTF-8 bytes the same way and transfers (detaches) a buffer the caller owns whole', async () => {
    const p = pool();
    const bytes = new Uint8Array(Buffer.from(body, 'utf8'));
    const decoded = await p.decode(bytes);
    expect(bytes.byteLength).toBe(0);
    expect(plain(decoded)).toEqual(plain(decodeSnapshot(body)));
  });

  it('hands out the same symbols array again while the symbols are unchanged, and a new one when they change', async () => {
    const p = pool();
    const first = await p.decode(body);
    const again = await p.decode(new Uint8Array(Buffer.from(body, 'utf8')));
    expect(again.symbols).toBe(first.symbols); // no 2,000 new strings for an unchanged market
    expect(again.symbols).toEqual(decodeSnapshot(body).symbols);
    const other = syntheticSnapshotText(1999);
    const changed = await p.decode(other);
    expect(changed.symbols).not.toBe(first.symbols);
    expect(changed.symbols).toEqual(decodeSnapshot(other).symbols);
    expect((await p.decode(JSON.stringify({ status: 'OK', tickers: [] }))).symbols).toEqual([]);
  });

  it('copies bytes that are a slice of a larger buffer instead of detaching memory the caller does not own', async () => {
    const p = pool();
    const text = JSON.stringify({ status: 'OK', tickers: [{ ticker: 'AAPL', day: { c: 1 } }] });
    const backing = Buffer.from(`xx${text}yy`, 'utf8');
    const slice = backing.subarray(2, 2 + text.length);
    const decoded = await p.decode(slice);
    expect(decoded.symbols).toEqual(['AAPL']);
    expect(backing.toString('utf8')).toBe(`xx${text}yy`);
  });

  it('decodes non-ASCII UTF-8 and rejects bytes that are not UTF-8 as a bad payload', async () => {
    const p = pool();
    const text = JSON.stringify({
      status: 'OK',
      request_id: 'réq',
      tickers: [{ ticker: 'A', day: { c: 2 } }],
    });
    expect((await p.decode(new Uint8Array(Buffer.from(text)))).symbols).toEqual(['A']);
    const broken = new Uint8Array(Buffer.from(text));
    broken[broken.indexOf(0xc3)] = 0xff;
    await expect(p.decode(broken)).rejects.toThrow(/not UTF-8/);
  });

  it('rejects a malformed body with the same VendorPayloadError as inline, and keeps working', async () => {
    const p = pool();
    const bad = '{"status":"OK","count":3}';
    const err = await p.decode(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorPayloadError);
    const inline = (() => {
      try {
        decodeSnapshot(bad);
      } catch (e) {
        return e as VendorPayloadError;
      }
    })();
    expect(err).toMatchObject({ message: inline!.message, path: 'tickers', detail: 'missing tickers' });
    await expect(p.decode('not json')).rejects.toThrow(/not JSON/);
    expect((await p.decode(body)).count).toBe(decodeSnapshot(body).count);
  });

  it('rejects with DecodeWorkerError when the worker dies, and the next decode succeeds on a new thread', async () => {
    // A worker module that exits mid-task on a marker input and otherwise defers to the real one.
    const realWorker = decodeWorkerFile().href;
    const file = path.join(tmp, 'crashing-decode-worker.ts');
    writeFileSync(
      file,
      `import decode from ${JSON.stringify(realWorker)};\n` +
        `export default function (input: string | Uint8Array) {\n` +
        `  if (input === 'CRASH') process.exit(1);\n` +
        `  return decode(input);\n}\n`,
    );
    const p = pool({ workerFile: pathToFileURL(file) });
    const err = await p.decode('CRASH').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeWorkerError);
    expect((err as Error).name).toBe('DecodeWorkerError');
    expect((err as Error).message).toMatch(/snapshot decode worker failed/);
    expect((await p.decode(body)).count).toBe(decodeSnapshot(body).count);
  });

  it('refuses work beyond its queue with DecodeWorkerError instead of queueing without bound', async () => {
    const p = pool({ maxQueue: 1 });
    const results = await Promise.allSettled([
      p.decode(body),
      p.decode(body),
      p.decode(body),
      p.decode(body),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.reason).toBeInstanceOf(DecodeWorkerError);
    expect(results[0].status).toBe('fulfilled');
  });
});
