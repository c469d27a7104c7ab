import type { SnapshotColumns } from '../vendor/snapshot-columns.js';
import { workerFileUrl } from './worker-file.js';

/**
 * A piscina task: decode one full-market snapshot response off the orchestrator's thread
 * (docs/architecture.md, "Decode off the hot thread").
 *
 * Input: the response body's bytes (preferred) or its text. Bytes over a whole ArrayBuffer are transferred, not
 * copied: the main thread is busy ≈ 0.8 ms per 6 MB decode, against ≈ 2–4 ms to post the same body as a
 * string, which structured clone copies on both sides (bench (e2) vs (e)). Fetch with `arrayBuffer()`, not
 * `text()`: the UTF-8 decode that `text()` does on the main thread alone costs ≈ 5 ms for 6 MB.
 *
 * Output: the columns, with their one ArrayBuffer in the transfer list so it moves instead of being cloned.
 * Symbols travel as ONE '\n'-joined string that the main thread splits, not as a string[]. Measured on the
 * 12,000 symbols: what the main thread pays to receive them is a tie (0.29 ms for the string + split against
 * 0.31 ms for the array, via receiveMessageOnPort), but serializing plus deserializing costs 0.5 ms against
 * 1.4–1.6 ms (bench "symbols" rows), because the array is 12K separate strings in the wire format and the
 * joined string is one flat copy. '\n' cannot occur in a symbol: the decoder keeps only /^[A-Z][A-Z0-9.-]*$/.
 *
 * A payload the decoder rejects (bad JSON or envelope) is returned as `{ ok: false }` rather than thrown:
 * errors cross threads as plain `Error`s (class, `path` and `detail` are lost), and the pool rethrows a real
 * VendorPayloadError so callers see the same error inline or through the worker.
 */
export type DecodeTask = string | Uint8Array;

export type DecodeTaskResult =
  | {
      readonly ok: true;
      readonly count: number;
      /** Kept symbols joined with '\n' ('' when none). */
      readonly symbols: string;
      readonly fields: SnapshotColumns['fields'];
      readonly rejected: SnapshotColumns['rejected'];
      readonly rejectedSamples: SnapshotColumns['rejectedSamples'];
    }
  | { readonly ok: false; readonly message: string; readonly path?: string; readonly detail?: string };

/** The decode worker's module (workers/decode-worker.ts), for the pool that runs it. */
export const decodeWorkerFile = (): URL => workerFileUrl('decode-worker');
