/** Reference data per symbol (SPEC §2). Every field but the symbol may be unknown (null). */
export interface TickerMetadata {
  readonly symbol: string;
  readonly companyName: string | null;
  readonly exchange: string | null;
  readonly sector: string | null;
  readonly industry: string | null;
  readonly marketCap: number | null;
  readonly floatShares: number | null;
  readonly sharesOutstanding: number | null;
  readonly avgVolume30d: number | null;
  readonly avgVolume10d: number | null;
  readonly avgPrice30d: number | null;
  readonly beta: number | null;
  readonly isEtf: boolean | null;
  readonly isActivelyTrading: boolean | null;
}
