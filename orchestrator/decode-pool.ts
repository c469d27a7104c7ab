import type { ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from '../shared/logger.js';
import { VendorPayloadError } from '../shared/vendor/errors.js';
import type { SnapshotColumns } from '../shared/vendor/snapshot-columns.js';
import {
  decodeWorkerFile,
  type DecodeTask,
  type DecodeTaskResult,
} from '../shared/worker-tasks/decode-snapshot.js';

/**
 * The decode worker failed for a reason other than the payload: it crashed, the queue is full, the pool is
 * closed. A payload the decoder rejects is a {@link VendorPayloadError}, exactly as when decoding inline.
 */
export class DecodeWorkerError extends Error {
  override readonly name = 'DecodeWorkerError';
}

export interface DecodePoolOptions {
  /** Worker threads (default 1: one snapshot at a time is the steady state; more only adds memory). */
  readonly threads?: number;
  /**
   * Decodes allowed to wait for a thread (default 2). A snapshot arrives every few seconds and takes tens of
   * ms, so a longer queue only means the loop is behind and stale snapshots would be decoded for nothing.
   */
  readonly maxQueue?: number;
  /** The worker module; tests substitute one that crashes. */
  readonly workerFile?: URL;
  readonly logger?: Logger;
  /** The worker's V8 heap limits; default {@link DECODE_WORKER_LIMITS}. */
  readonly resourceLimits?: ResourceLimits;
}

/**
 * The decode worker's heap. Each decode parses a ≈ 7 MB body (15,000 tickers) into tens of MB of objects that are
 * garbage a moment later. Piscina's default worker waits for the next task in `Atomics.wait`, where the thread's
 * event loop never turns, so V8 never runs the idle-time and memory-reducer collections that would free them: the
 * worker carried 60–75 MB of heap between decodes, mostly dead parse trees. The pool therefore runs with
 * `atomics: 'disabled'` (a task arrives as a message event, a few µs slower, irrelevant at one decode per
 * snapshot), and the heap falls back to ≈ 8 MB used / ≈ 43 MB committed between decodes.
 *
 * The old-generation cap lowers the peak during a decode (V8 sizes its first collection limits from it: ≈ 58 MB
 * committed at the peak instead of ≈ 70) and is a guard: a decode needs ≈ 40 MB live at 15,000 tickers; a body
 * that needs more than 256 MB makes the worker die with ERR_WORKER_OUT_OF_MEMORY, which fails that one decode
 * (DecodeWorkerError) and piscina starts a new thread, instead of growing the process without bound. The young
 * generation is left at V8's default (16 MB semi-spaces): smaller, the parse tree is promoted piece by piece and
 * a decode takes ≈ 130 ms instead of ≈ 70 ms — which is also what a process-wide `--max-semi-space-size` does
 * to this thread, since V8 applies that flag over a worker's `resourceLimits`. Figures: 15,000 tickers on this
 * 2-core box, the worker's heap statistics while the orchestrator scanned (FEED=sim, the setup of
 * bench/orchestrator-rss.bench.ts) and while decoding simulator bodies in a loop.
 */
export const DECODE_WORKER_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 256 };

/**
 * The bytes to post and what to transfer. A view over a whole, ordinary ArrayBuffer is transferred as is
 * (the caller's copy is detached); a slice of a bigger buffer (e.g. Node's 8 KB Buffer pool) is copied first,
 * because transferring it would detach memory the caller does not own and cloning it would copy the whole
 * underlying buffer anyway. SharedArrayBuffer-backed bytes are shared, not copied.
 */
function prepareBytes(bytes: Uint8Array): { task: Uint8Array; transferList: ArrayBuffer[] } {
  const buf = bytes.buffer;
  if (!(buf instanceof ArrayBuffer)) return { task: bytes, transferList: [] };
  if (bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength)
    return { task: bytes, transferList: [buf] };
  const copy = new Uint8Array(bytes);
  return { task: copy, transferList: [copy.buffer] };
}

/**
 * Full-market snapshots decoded in a small piscina pool. The orchestrator's thread only posts the text and
 * receives one transferred buffer plus one string of symbols: it never parses JSON nor clones row objects.
 */
export class DecodePool {
  readonly threads: number;
  private readonly pool: Piscina<DecodeTask, DecodeTaskResult>;
  private readonly logger: Logger | undefined;
  /** The last snapshot's symbols, joined as the worker sent them and split. */
  private lastSymbols: { readonly joined: string; readonly list: readonly string[] } = {
    joined: '',
    list: [],
  };

  constructor(o: DecodePoolOptions = {}) {
    this.threads = Math.max(1, o.threads ?? 1);
    this.logger = o.logger;
    const file = o.workerFile ?? decodeWorkerFile();
    this.pool = new Piscina<DecodeTask, DecodeTaskResult>({
      filename: file.href,
      minThreads: this.threads,
      maxThreads: this.threads,
      maxQueue: Math.max(1, o.maxQueue ?? 2),
      idleTimeout: Infinity,
      execArgv: file.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [],
      resourceLimits: o.resourceLimits ?? DECODE_WORKER_LIMITS,
      // Idle between decodes on its event loop, not in Atomics.wait: see DECODE_WORKER_LIMITS.
      atomics: 'disabled',
    });
    // A worker that dies rejects its task (handled in decode); the pool's own errors must not crash us.
    this.pool.on('error', (err: unknown) => this.logger?.error({ err }, 'decode pool error'));
  }

  /**
   * Decodes a full-market snapshot response. `input` is the body's UTF-8 bytes (preferred, e.g.
   * `new Uint8Array(await res.arrayBuffer())`) or its text. Bytes that own their whole ArrayBuffer are
   * transferred to the worker and detached here: the main thread then spends ≈ 0.8 ms per 6 MB snapshot,
   * against 2–4 ms to copy the same body as a string (bench/decode.bench.ts, (e2) vs (e)).
   * Rejects with VendorPayloadError for a bad body and DecodeWorkerError when the worker fails.
   */
  async decode(input: string | Uint8Array): Promise<SnapshotColumns> {
    let result: DecodeTaskResult;
    try {
      if (typeof input === 'string') {
        result = await this.pool.run(input);
      } else {
        const { task, transferList } = prepareBytes(input);
        result = await this.pool.run(task, { transferList });
      }
    } catch (err) {
      throw new DecodeWorkerError(`snapshot decode worker failed: ${(err as Error).message}`, { cause: err });
    }
    if (!result.ok) {
      throw new VendorPayloadError(result.message, { path: result.path, detail: result.detail });
    }
    return {
      count: result.count,
      symbols: this.symbolList(result.symbols),
      fields: result.fields,
      rejected: result.rejected,
      rejectedSamples: result.rejectedSamples,
    };
  }

  /**
   * The symbols as an array. Consecutive full-market snapshots usually list the same symbols in the same order,
   * so when the joined string equals the previous one (one memcmp of ≈ 100 KB) the previous array is returned
   * again instead of 15,000 new strings: they would live until the tick applies the snapshot, long enough to be
   * promoted to the old generation as garbage, every snapshot. Callers only read the array (it is readonly).
   */
  private symbolList(joined: string): readonly string[] {
    if (joined === '') return [];
    if (joined === this.lastSymbols.joined) return this.lastSymbols.list;
    const list = joined.split('\n');
    this.lastSymbols = { joined, list };
    return list;
  }

  /** Decodes waiting for a thread (for a "decode behind" gauge). */
  get queueSize(): number {
    return this.pool.queueSize;
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }
}
