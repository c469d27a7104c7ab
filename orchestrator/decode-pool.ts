import { Piscina } from 'piscina';
import type { Logger } from '../shared/logger.js';
import { VendorPayloadError } from '../shared/vendor/errors.js';
import type { SnapshotColumns } from '../shared/vendor/snapshot-columns.js';
import type { DecodeTask, DecodeTaskResult } from '../workers/decode-worker.js';

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
}

/** tsx runs the TypeScript sources; the build runs compiled JavaScript. The worker follows the caller. */
function defaultWorkerFile(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../workers/decode-worker${ext}`, import.meta.url);
}

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

  constructor(o: DecodePoolOptions = {}) {
    this.threads = Math.max(1, o.threads ?? 1);
    this.logger = o.logger;
    const file = o.workerFile ?? defaultWorkerFile();
    this.pool = new Piscina<DecodeTask, DecodeTaskResult>({
      filename: file.href,
      minThreads: this.threads,
      maxThreads: this.threads,
      maxQueue: Math.max(1, o.maxQueue ?? 2),
      idleTimeout: Infinity,
      execArgv: file.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [],
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
      symbols: result.count === 0 ? [] : result.symbols.split('\n'),
      fields: result.fields,
      rejected: result.rejected,
      rejectedSamples: result.rejectedSamples,
    };
  }

  /** Decodes waiting for a thread (for a "decode behind" gauge). */
  get queueSize(): number {
    return this.pool.queueSize;
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }
}
