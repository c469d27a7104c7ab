-- Up Migration

-- A starting filter set for a day trader, so a fresh install shows sensible lists at once. Operators edit
-- or disable them through the API; ON CONFLICT keeps an operator's edited row (matched by name) untouched.
-- Every row here must pass the zod filter schema (shared/scan/filters-schema.ts); a test loads them.
--
-- Priorities order `filtersMatched` (priority desc, then id): the broad gates first, examples last.
INSERT INTO scanner_filters (name, description, enabled, priority, sessions, parameters) VALUES
  ('Tradable price',
   'Price between $1 and $1,000: sub-dollar penny stocks are excluded (wide spreads, often not marginable), '
   'and four-figure prices rarely suit intraday position sizes.',
   true, 100, '{}', '{"minPrice": 1, "maxPrice": 1000}'),
  ('Regular-hours liquidity',
   'At least 100,000 shares traded today (premarket included) during regular and post-market hours, '
   'so fills and stops are realistic.',
   true, 90, '{MARKET_OPEN,POST_MARKET}', '{"minVolume": 100000}'),
  ('Premarket liquidity',
   'At least 10,000 shares traded so far in the premarket, where volume is thin: below that a quote is '
   'mostly noise.',
   true, 90, '{PRE_MARKET}', '{"minVolume": 10000}'),
  ('Low-float runners',
   'Example, disabled: float under 20M shares trading at twice its usual volume for the time of day. '
   'Tickers without float data fail it.',
   false, 10, '{}', '{"maxFloat": 20000000, "minRvol": 2}'),
  ('No ETFs',
   'Example, disabled: hide exchange-traded funds to see single stocks only.',
   false, 10, '{}', '{"excludeEtf": true}')
ON CONFLICT (name) DO NOTHING;

-- Down Migration

-- Removes the seeded rows only while nobody has edited them (saving a filter moves updated_at), so an
-- operator's changes survive a rollback.
DELETE FROM scanner_filters
 WHERE name IN ('Tradable price', 'Regular-hours liquidity', 'Premarket liquidity', 'Low-float runners', 'No ETFs')
   AND updated_at = created_at;
