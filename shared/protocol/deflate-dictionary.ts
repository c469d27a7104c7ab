import { LIST_NAMES } from '../scan/lists.js';
import { SESSIONS } from '../scan/sessions.js';

/*
 * The preset dictionary of the `scanner.deflate.v1` encoding (docs/gateway.md "Deflate encoding").
 *
 * A list message is deflated on its own (raw DEFLATE, RFC 1951, with this dictionary as the preset history), so
 * that the gateway compresses it once for every client. Alone, a message has no history to refer to: its field
 * names, list name and skeleton cost their full bytes each time. The dictionary gives it that history, built here
 * from the protocol's own strings, so it says nothing of any market and needs no training data.
 *
 * It is part of the wire format: a client inflates with the same bytes or fails. It is therefore FROZEN for v1:
 * the names are spelled out below as they stood when v1 was made (and the test fixes the bytes' SHA-256). A
 * protocol change (a new row field) does not change it — the new field's name is simply not in the dictionary and
 * costs its bytes — and a new dictionary needs a new subprotocol (`scanner.deflate.v2`) next to this one.
 *
 * DEFLATE reaches back at most 32 KiB and codes nearer matches in fewer bits, so the most frequent strings come
 * last: the row (snapshots, `add`), then the rarer deltas, then the message headers, then an `update` skeleton
 * whose fields are those one volume print changes (every hot rescan sends them for most rows).
 *
 * No import but the list and session names (no zod): the client SDK builds it too.
 */

/** The subprotocol this dictionary belongs to. */
export const DEFLATE_V1_PROTOCOL = 'scanner.deflate.v1';
/** The default encoding's name, for a client that wants to name it (JSON text frames, SPEC §8). */
export const JSON_V1_PROTOCOL = 'scanner.json.v1';

/** The wire row's fields in the order rows.ts writes them, as of v1 (the test checks the schema still has them). */
export const ROW_FIELDS_V1 = [
  'symbol',
  'rank',
  'scoreRank',
  'companyName',
  'hasMetadata',
  'price',
  'change',
  'changePercent',
  'volumeToday',
  'rvol',
  'rvolSlot',
  'rvolState',
  'gapFromOpen',
  'gapFromOpenDollars',
  'gapAtOpen',
  'gapPremarket',
  'gapPostmarket',
  'priceFromHigh',
  'priceFromLow',
  'volumeRatio',
  'floatRotation',
  'dollarVolume',
  'score',
  'high',
  'low',
  'open',
  'prevClose',
  'bid',
  'ask',
  'marketCap',
  'floatShares',
  'sector',
  'industry',
  'exchange',
  'isEtf',
  'filtersMatched',
  'session',
  'updatedAt',
] as const;

/** Row fields SPEC §8 names that v1's rows do not carry yet (issue #10): named so that their keys compress too. */
export const ANNOUNCED_ROW_FIELDS_V1 = [
  'change1m',
  'change5m',
  'change15m',
  'volume5m',
  'rangePosition',
  'spreadPercent',
  'vwap',
  'priceFromVwap',
] as const;

/** `rvolState` values as of v1 (SPEC §12). */
const RVOL_STATES_V1 = ['ok', 'warming', 'no_slot'] as const;

/** The fields one volume print changes (an `update` of a hot rescan), in row order. */
const VOLUME_PRINT_FIELDS_V1 = [
  'volumeToday',
  'rvol',
  'volumeRatio',
  'floatRotation',
  'dollarVolume',
  'score',
] as const;

/** A value of each field's JSON kind, so that the dictionary holds `"name":` followed by what usually follows. */
function template(field: string): string {
  switch (field) {
    case 'symbol':
      return '""';
    case 'rank':
    case 'scoreRank':
      return '1';
    case 'hasMetadata':
      return 'true';
    case 'isEtf':
      return 'false';
    case 'filtersMatched':
      return '[]';
    case 'rvolState':
      return `"${RVOL_STATES_V1[0]}"`;
    case 'session':
      return `"${SESSIONS[1]}"`;
    case 'updatedAt':
      return '"20';
    default:
      return 'null';
  }
}

function members(fields: readonly string[]): string {
  return fields.map((f) => `"${f}":${template(f)}`).join(',');
}

/**
 * The dictionary's text, from least to most frequent (see above). Pure and deterministic: the same bytes on the
 * gateway, in the SDK and in any client that rebuilds it from docs/gateway.md (or fetches it from the gateway).
 */
export function deflateDictionaryV1Text(): string {
  const row = `{${members([...ROW_FIELDS_V1, ...ANNOUNCED_ROW_FIELDS_V1])}}`;
  const parts = [
    // Rarer values: the other enum members, sessions, errors and the other server messages.
    SESSIONS.map((s) => `"session":"${s}"`).join(','),
    RVOL_STATES_V1.map((s) => `"rvolState":"${s}"`).join(','),
    `{"type":"snapshot","list":"${LIST_NAMES[0]}","epoch":"","seq":1,"prevSeq":0,"ts":"20","rows":[${row},`,
    `${row}]}`,
    `{"action":"remove","symbol":""},{"action":"add","symbol":"","rank":1,"row":${row}},`,
    `{"action":"rerank","symbol":"","oldRank":1,"newRank":2},`,
    // Every list's header: the list name is the one part of a header that changes between lists.
    ...LIST_NAMES.map((l) => `{"type":"delta","list":"${l}","epoch":"`),
    '","seq":1,"prevSeq":0,"ts":"20","deltas":[',
    // The most frequent: an update of the fields a volume print changes, ending with the timestamp.
    `{"action":"update","symbol":"","rank":1,"fields":{${VOLUME_PRINT_FIELDS_V1.map((f) => `"${f}":`).join('0,')}0,"updatedAt":"20`,
    '.000Z"}},{"action":"update","symbol":"',
  ];
  return parts.join('');
}

let cached: Uint8Array | undefined;

/** The v1 dictionary's bytes (UTF-8; the text is ASCII). Built once; do not modify the array. */
export function deflateDictionaryV1(): Uint8Array {
  cached ??= new TextEncoder().encode(deflateDictionaryV1Text());
  return cached;
}
