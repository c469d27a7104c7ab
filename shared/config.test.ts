import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringMatching } from '../test/utils/matchers.js';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('defaults to the simulated market and local services', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      FEED: 'sim',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: stringMatching(/^postgres:\/\/[^@]+@127\.0\.0\.1:5432\/scanner$/),
      SNAPSHOT_INTERVAL_MS: 5000,
      GATEWAY_PORT: 8080,
      GATEWAY_TOKENS: [],
      POLYGON_REST_URL: 'https://api.massive.com',
      MAX_FILTERED: 200,
      LIST_LIMIT: 20,
    });
    expect(c.WORKER_THREADS).toBeGreaterThanOrEqual(1);
  });

  it('stops with a message naming every bad variable', () => {
    expect(() => loadConfig({ SNAPSHOT_INTERVAL_MS: 'fast', FEED: 'bloomberg' })).toThrow(ConfigError);
    try {
      loadConfig({ SNAPSHOT_INTERVAL_MS: 'fast', FEED: 'bloomberg' });
    } catch (e) {
      expect((e as Error).message).toMatch(/SNAPSHOT_INTERVAL_MS="fast"/);
      expect((e as Error).message).toMatch(/FEED="bloomberg"/);
    }
  });

  it('accepts MASSIVE_API_KEY for POLYGON_API_KEY, and prefers POLYGON_API_KEY', () => {
    expect(loadConfig({ MASSIVE_API_KEY: 'm' }).apiKey).toBe('m');
    expect(loadConfig({ MASSIVE_API_KEY: 'm', POLYGON_API_KEY: 'p' }).apiKey).toBe('p');
  });

  it('refuses an open gateway (no tokens) on a non-loopback address', () => {
    expect(() => loadConfig({ GATEWAY_HOST: '0.0.0.0' })).toThrow(/GATEWAY_TOKENS is empty/);
    expect(loadConfig({ GATEWAY_HOST: '0.0.0.0', GATEWAY_TOKENS: 'a, b' }).GATEWAY_TOKENS).toEqual([
      'a',
      'b',
    ]);
  });

  it('refuses GATEWAY_HOSTS=* without tokens and an Origin that is not a URL', () => {
    expect(() => loadConfig({ GATEWAY_HOSTS: '*' })).toThrow(/GATEWAY_HOSTS=\*/);
    expect(loadConfig({ GATEWAY_HOSTS: '*', GATEWAY_TOKENS: 't' }).GATEWAY_HOSTS).toEqual(['*']);
    expect(() => loadConfig({ GATEWAY_ORIGINS: 'app.example' })).toThrow(/GATEWAY_ORIGINS/);
    expect(
      loadConfig({ GATEWAY_ORIGINS: 'https://a.example, http://b.example:3000' }).GATEWAY_ORIGINS,
    ).toEqual(['https://a.example', 'http://b.example:3000']);
  });

  it('reads POLYGON_WS_CHANNELS as a list of aggregate channels, A by default, and refuses other channels', () => {
    expect(loadConfig({}).POLYGON_WS_CHANNELS).toEqual(['A']);
    expect(loadConfig({ POLYGON_WS_CHANNELS: 'AM' }).POLYGON_WS_CHANNELS).toEqual(['AM']);
    expect(loadConfig({ POLYGON_WS_CHANNELS: 'A, AM' }).POLYGON_WS_CHANNELS).toEqual(['A', 'AM']);
    expect(() => loadConfig({ POLYGON_WS_CHANNELS: 'T' })).toThrow(/POLYGON_WS_CHANNELS="T"/);
  });

  it('defaults STALE_AFTER_MS to three snapshot periods and takes an explicit value as is', () => {
    expect(loadConfig({}).STALE_AFTER_MS).toBe(15_000);
    expect(loadConfig({ SNAPSHOT_INTERVAL_MS: '2000' }).STALE_AFTER_MS).toBe(6_000);
    expect(loadConfig({ SNAPSHOT_INTERVAL_MS: '2000', STALE_AFTER_MS: '4500' }).STALE_AFTER_MS).toBe(4_500);
    expect(() => loadConfig({ STALE_AFTER_MS: '10' })).toThrow(/STALE_AFTER_MS/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ GATEWAY_PORT: '' }).GATEWAY_PORT).toBe(8080);
  });

  it('is documented variable by variable in the README and .env.example', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const name of CONFIG_VARIABLES) {
      expect(readme, `README documents ${name}`).toMatch(new RegExp(`\\|\\s*\`${name}\`\\s*\\|`));
      expect(example, `.env.example lists ${name}`).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
  });
});
