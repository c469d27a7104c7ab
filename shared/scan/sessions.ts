/** The four trading sessions of SPEC §1, as a const tuple so the type and the runtime list share one source. */
export const SESSIONS = ['PRE_MARKET', 'MARKET_OPEN', 'POST_MARKET', 'CLOSED'] as const;
export type Session = (typeof SESSIONS)[number];
