import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../shared/config.js';

/*
 * The container set-up checked without a Docker engine: `npm run lint:docker` validates docker-compose.yml
 * against the Compose schema (dclint) and the Dockerfile's syntax (dockerfile-utils); this file checks that both
 * agree with the code — every variable they set is one the app reads, every script they run exists, the
 * database and Redis they point at are the services they define, and the runtime image is lean and non-root.
 */

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Service {
  readonly image?: string;
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly ports?: readonly string[];
  readonly healthcheck?: { readonly test?: readonly string[]; readonly disable?: boolean };
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>>;
  readonly profiles?: readonly string[];
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  readonly services: Readonly<Record<string, Service>>;
};
const APP_SERVICES = ['migrate', 'orchestrator', 'jobs', 'gateway', 'feed', 'dashboard'];
/** Variables the runtime reads besides the app's own configuration. */
const RUNTIME_VARIABLES = new Set(['MALLOC_MMAP_THRESHOLD_', 'NODE_ENV']);
/** Compose's `${VAR:-default}` / `${VAR:?message}` → what the app would see with the default filled in. */
const interpolate = (value: string) =>
  value.replace(/\$\{(\w+)(?::[-?]([^}]*))?\}/g, (_m, name: string, rest: string | undefined) =>
    name === 'GATEWAY_TOKENS' || name === 'DASHBOARD_PASSWORD' ? 'secret' : (rest ?? ''),
  );

describe('docker-compose.yml', () => {
  it('runs every process of the product from the image, the feed only under the polygon profile', () => {
    const services = compose.services;
    for (const name of APP_SERVICES) expect(services[name]?.image, name).toBe('open-scanner');
    expect(services.feed?.profiles).toEqual(['polygon']);
  });

  it('sets only variables the app reads, with values its configuration accepts', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const name of APP_SERVICES) {
      const env = Object.fromEntries(
        Object.entries(compose.services[name]!.environment ?? {}).map(([k, v]) => [
          k,
          interpolate(String(v)),
        ]),
      );
      for (const variable of Object.keys(env)) {
        expect(known.has(variable) || RUNTIME_VARIABLES.has(variable), `${name} sets ${variable}`).toBe(true);
      }
      const appEnv = Object.fromEntries(Object.entries(env).filter(([k]) => known.has(k)));
      expect(() => loadConfig(appEnv), name).not.toThrow();
    }
  });

  it('points the app at the Redis and PostgreSQL services it defines, with their user and database', () => {
    const env = compose.services.orchestrator!.environment!;
    const postgres = compose.services.postgres!.environment!;
    const db = new URL(env.DATABASE_URL!);
    expect(db.hostname).toBe('postgres');
    expect(db.username).toBe(postgres.POSTGRES_USER);
    expect(db.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    expect(new URL(env.REDIS_URL!).hostname).toBe('redis');
    expect(compose.services.redis!.command).toContain('noeviction');
  });

  it('runs scripts that exist, after the migrations and healthy services', () => {
    for (const name of APP_SERVICES) {
      const service = compose.services[name]!;
      const script = service.command!.find((arg) => arg.startsWith('dist/'))!;
      expect(existsSync(path.join(root, script.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), script).toBe(
        true,
      );
      expect(service.depends_on?.postgres?.condition, name).toBe('service_healthy');
      if (name !== 'migrate')
        expect(service.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
  });

  it('checks /health on the published ports of the gateway and the dashboard', () => {
    const defaults = loadConfig({});
    for (const [name, port] of [
      ['gateway', defaults.GATEWAY_PORT],
      ['dashboard', defaults.DASHBOARD_PORT],
    ] as const) {
      const service = compose.services[name]!;
      expect(service.ports).toEqual([`127.0.0.1:${port}:${port}`]);
      expect(service.healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${port}/health`);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('builds in one stage and runs from another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
  });

  it('installs only production dependencies in the runtime image and runs as a non-root user', () => {
    expect(runtime).toMatch(/^RUN npm ci --omit=dev/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/^USER root$/m);
  });

  it('uses the Node line package.json supports and the uWebSockets.js build has binaries for', () => {
    const major = Number(/^node:(\d+)/.exec(runtime)![1]);
    const { engines } = JSON.parse(read('package.json')) as { engines: { node: string } };
    expect(engines.node).toContain(`>=${major}`);
    const uws = path.dirname(createRequire(import.meta.url).resolve('uWebSockets.js/package.json'));
    const abi = { 20: 115, 22: 127, 24: 137 }[major];
    expect(
      existsSync(path.join(uws, `binaries/uws_linux_x64_${abi}.node`)),
      `uWS binary for Node ${major}`,
    ).toBe(true);
  });

  it('copies only folders that exist', () => {
    for (const [, dir] of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) {
      expect(existsSync(path.join(root, dir!)), dir).toBe(true);
    }
  });
});
