import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import {
  ANNOUNCED_ROW_FIELDS_V1,
  deflateDictionaryV1,
  ROW_FIELDS_V1,
} from '../shared/protocol/deflate-dictionary.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import type { Recording } from './fanout-recording.js';

/*
 * Which preset dictionary the `scanner.deflate.v1` encoding uses was chosen by these numbers: each list message
 * of a fan-out recording (what the orchestrator published, `npx tsx bench/fanout.bench.ts --save-recording f`)
 * deflated on its own, as the gateway does, with each candidate dictionary and level, against the JSON text:
 *
 *   npx tsx bench/deflate-dictionary.bench.ts --recording /work/runs/fanout-rec.json
 *
 * KB/s is what one client subscribed to every list receives (the first scan's snapshots apart, as
 * bench/list-traffic.ts counts); CPU is the gateway's cost of compressing the whole stream once, whatever the
 * number of clients. Each candidate is checked to inflate back to the exact JSON text.
 */

const { values: args } = parseArgs({
  options: { recording: { type: 'string' }, repeat: { type: 'string', default: '3' } },
  strict: true,
});
if (!args.recording) throw new Error('--recording file.json (bench/fanout.bench.ts --save-recording)');
const recording = JSON.parse(readFileSync(args.recording, 'utf8')) as Recording;
const messages = recording.scans.slice(1).flatMap((s) => s.messages.map((m) => JSON.stringify(m)));
const seconds = recording.spanMs / 1000;

const names = [...ROW_FIELDS_V1, ...ANNOUNCED_ROW_FIELDS_V1];
const candidates: Record<string, Uint8Array | undefined> = {
  none: undefined,
  'field names only': Buffer.from(names.map((n) => `"${n}":`).join('')),
  'list headers + field names': Buffer.from(
    LIST_NAMES.map((l) => `{"type":"delta","list":"${l}","epoch":"`).join('') +
      '","seq":1,"prevSeq":0,"ts":"20","deltas":[{"action":"update","symbol":"","rank":1,"fields":{' +
      names.map((n) => `"${n}":`).join(''),
  ),
  'v1 (chosen)': deflateDictionaryV1(),
};

function measure(dictionary: Uint8Array | undefined, level: number): { bytes: number; ms: number } {
  const options = dictionary ? { level, dictionary } : { level };
  let bytes = 0;
  let best = Infinity;
  for (let r = 0; r < Number(args.repeat); r++) {
    bytes = 0;
    const t0 = process.hrtime.bigint();
    for (const m of messages) bytes += zlib.deflateRawSync(m, options).length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  for (const m of messages.slice(0, 100)) {
    const back = zlib.inflateRawSync(zlib.deflateRawSync(m, options), dictionary ? { dictionary } : {});
    if (back.toString('utf8') !== m) throw new Error('a message did not inflate back to its JSON');
  }
  return { bytes, ms: best };
}

const json = messages.reduce((n, m) => n + Buffer.byteLength(m), 0);
console.log(
  `${messages.length} list messages over ${seconds.toFixed(1)} s; JSON ${(json / seconds / 1000).toFixed(1)} KB/s per client`,
);
const table = [];
for (const [name, dictionary] of Object.entries(candidates)) {
  for (const level of [1, 6, 9]) {
    const { bytes, ms } = measure(dictionary, level);
    table.push({
      dictionary: name,
      'dictionary B': dictionary?.length ?? 0,
      level,
      'KB/s per client': Number((bytes / seconds / 1000).toFixed(2)),
      'vs JSON': Number((bytes / json).toFixed(3)),
      'CPU ms for the stream': Number(ms.toFixed(1)),
      'CPU ms/s': Number((ms / seconds).toFixed(2)),
    });
  }
}
console.table(table);
