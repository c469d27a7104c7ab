import type { SnapshotRequestOptions, SnapshotSource } from '../shared/vendor/snapshot-poller.js';
import type { SnapshotColumns } from '../shared/vendor/snapshot-columns.js';
import type { DecodePool } from './decode-pool.js';

/** The REST call this needs: PolygonRestClient fits. */
export interface SnapshotBytesSource {
  /** `options` as the poller gave them: its `maxRetries: 0` keeps the client from retrying inside one poll. */
  fullMarketSnapshotBytes(options: SnapshotRequestOptions): Promise<Uint8Array>;
}

/**
 * Full-market snapshots fetched as bytes and decoded into columns by the decode worker, so the orchestrator's
 * thread spends ≈ 1 ms per snapshot instead of the ≈ 50 ms a 6 MB JSON.parse takes (bench/decode.bench.ts).
 */
export class DecodedSnapshotSource implements SnapshotSource<SnapshotColumns> {
  constructor(
    private readonly rest: SnapshotBytesSource,
    private readonly decoder: DecodePool,
    /**
     * Sees each body that decoded, as received (e.g. to record it). A body the decoder rejects (a 200 with
     * malformed JSON) is never passed on: in a recording it would break every replay of that day.
     */
    private readonly onBody?: (bytes: Uint8Array) => void,
  ) {}

  async fullMarketSnapshot(options: SnapshotRequestOptions) {
    const bytes = await this.rest.fullMarketSnapshotBytes(options);
    // The decoder takes the bytes (transferred to its thread, detached here), so the body is copied first —
    // only when someone wants it (≈ 1 ms for 6 MB, and only while recording).
    const body = this.onBody ? bytes.slice() : undefined;
    const columns = await this.decoder.decode(bytes);
    if (body) this.onBody?.(body);
    return { snapshot: columns, rejected: columns.rejectedSamples };
  }
}
