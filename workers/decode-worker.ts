import { isAscii } from 'node:buffer';
import { transferableSymbol, valueSymbol, move } from 'piscina';
import { VendorPayloadError } from '../shared/vendor/errors.js';
import type { SnapshotColumns } from '../shared/vendor/snapshot-columns.js';
import { decodeSnapshot } from '../shared/vendor/snapshot-decoder.js';

/**
 * A piscina task: decode one full-market snapshot response off the orchestrator's thread
 * (ARCHITECTURE "Decode off the hot thread").
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

/** `fatal`: malformed UTF-8 is a bad payload, not text with U+FFFD in it. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as a string. The vendor's JSON is ASCII in practice, and for ASCII the latin1 decoding is exact and
 * a plain copy: 0.5 ms for 6 MB here against 4–5 ms for a UTF-8 decode (TextDecoder or toString('utf8'));
 * the `isAscii` scan that proves it costs 0.1 ms. Anything else takes the strict UTF-8 path.
 */
function toText(input: DecodeTask): string {
  if (typeof input === 'string') return input;
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength); // a view, no copy
  if (isAscii(bytes)) return bytes.toString('latin1');
  try {
    return utf8.decode(bytes);
  } catch (err) {
    throw new VendorPayloadError('invalid full-market snapshot: body is not UTF-8', { cause: err });
  }
}

/** The message without the " at <path>" suffix VendorPayloadError adds, so the pool can rebuild it. */
function baseMessage(err: VendorPayloadError): string {
  const suffix = err.path ? ` at ${err.path}` : '';
  return suffix && err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message;
}

export default function decode(input: DecodeTask) {
  let columns: SnapshotColumns;
  try {
    columns = decodeSnapshot(toText(input));
  } catch (err) {
    if (!(err instanceof VendorPayloadError)) throw err;
    const failed: DecodeTaskResult = {
      ok: false,
      message: baseMessage(err),
      path: err.path,
      detail: err.detail,
    };
    return failed;
  }
  const result: DecodeTaskResult = {
    ok: true,
    count: columns.count,
    symbols: columns.symbols.join('\n'),
    fields: columns.fields,
    rejected: columns.rejected,
    rejectedSamples: columns.rejectedSamples,
  };
  // Every column is a view over one buffer; a buffer listed twice would make postMessage throw.
  const buffers = [...new Set(Object.values(columns.fields).map((f) => f.buffer))];
  return move({ [transferableSymbol]: buffers, [valueSymbol]: result });
}
