import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { FAKE_API_KEY, FAULTS, startFakeVendor } from '../test/fake-vendor/server.js';
import { withVendorHolidays } from './start.js';

const logger = createLogger('test', 'silent');

describe('the vendor holiday calendar (SPEC §1 overrides)', () => {
  it('closes the market on a day the vendor announces, on top of the NYSE rules', async () => {
    const vendor = await startFakeVendor({
      data: {
        upcoming: () => [
          { date: '2026-03-04', exchange: 'NYSE', name: 'National Day of Mourning', status: 'closed' },
          { date: '2026-03-04', exchange: 'NASDAQ', name: 'National Day of Mourning', status: 'closed' },
        ],
      },
    });
    onCleanup(() => vendor.close());
    const rest = new PolygonRestClient({ baseUrl: vendor.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0 });
    const calendar = await withVendorHolidays(new MarketCalendar(), rest, logger);
    expect(calendar.day('2026-03-04')).toMatchObject({ trading: false, holiday: 'National Day of Mourning' });
    expect(calendar.isTradingDay('2026-03-03')).toBe(true);
  });

  it('keeps the rules alone when the vendor cannot be read', async () => {
    const vendor = await startFakeVendor();
    onCleanup(() => vendor.close());
    vendor.rest.inject('upcoming', FAULTS.htmlError(), 10);
    const rest = new PolygonRestClient({ baseUrl: vendor.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0 });
    const calendar = await withVendorHolidays(new MarketCalendar(), rest, logger);
    expect(calendar.isTradingDay('2026-03-04')).toBe(true);
    expect(calendar.isTradingDay('2026-04-03')).toBe(false); // Good Friday, from the rules
  });
});
