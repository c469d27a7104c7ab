import type { TemplatedApp } from './uws.js';

/** One route as registered on the uWS app: its method (uWS's name: `get`, `del`, `any`, `ws`…) and pattern. */
export interface RegisteredRoute {
  readonly method: string;
  readonly pattern: string;
}

const ROUTE_METHODS = new Set([
  'get',
  'post',
  'put',
  'del',
  'patch',
  'options',
  'head',
  'connect',
  'trace',
  'any',
  'ws',
]);

/**
 * The app, with every route registered through it appended to `routes`. The gateway's routes are registered
 * in several modules (server.ts, http-routes.ts, web/assets.ts); recording them where they are registered is
 * what lets a test hold the OpenAPI document to every one of them without a second, hand-kept list.
 */
export function recordRoutes(app: TemplatedApp, routes: RegisteredRoute[]): TemplatedApp {
  const bound = new Map<PropertyKey, (...args: unknown[]) => unknown>();
  const proxy: TemplatedApp = new Proxy(app, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      if (typeof prop === 'string' && ROUTE_METHODS.has(prop)) {
        return (pattern: string, handler: unknown) => {
          routes.push({ method: prop, pattern });
          (value as (p: string, h: unknown) => unknown).call(target, pattern, handler);
          // uWS methods chain by returning the app: keep chaining through the recorder.
          return proxy;
        };
      }
      // The app is a native object: its other methods need it, not the proxy, as `this`. Bound once each, as
      // publish() runs for every list message.
      let fn = bound.get(prop);
      if (!fn) bound.set(prop, (fn = (value as (...args: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
  return proxy;
}
