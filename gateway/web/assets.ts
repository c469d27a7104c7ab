import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { HttpRequest, HttpResponse, TemplatedApp } from '../uws.js';

/**
 * The web page's two files, built once per process when the gateway starts and served from memory: `/` is
 * index.html, `/app.js` is app.ts bundled with the client SDK by esbuild (≈ 67 KB minified, 23 KB gzipped).
 *
 * Both are answered with a strong ETag and `cache-control: no-cache`: a browser revalidates each load and gets
 * a 304 while nothing changed, and a new deployment is picked up at once (the script's URL carries no hash).
 */

export interface WebAsset {
  readonly body: Buffer;
  /** Strong ETag (quoted): a digest of the body. */
  readonly etag: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface WebAssets {
  readonly page: WebAsset;
  readonly script: WebAsset;
}

/** The web sources could not be read or bundled. */
export class WebAssetsError extends Error {
  override readonly name = 'WebAssetsError';
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
/**
 * Where index.html and app.ts are: beside this module when run from source (tsx, vitest), or back in the
 * source tree when run from `dist/gateway/web/` (tsc copies no HTML).
 */
const SOURCE_DIRS = [HERE, resolve(HERE, '../../../gateway/web')];

const COMMON_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  // The page URL may carry ?token=: never hand it on to another site.
  'referrer-policy': 'no-referrer',
};

let loaded: Promise<WebAssets> | undefined;

/** Reads and bundles the page (once per process; every later call shares the result). */
export function loadWebAssets(): Promise<WebAssets> {
  loaded ??= bundle().catch((err: unknown) => {
    loaded = undefined;
    throw err instanceof WebAssetsError ? err : new WebAssetsError(`web page not built: ${String(err)}`);
  });
  return loaded;
}

async function bundle(): Promise<WebAssets> {
  const dir = SOURCE_DIRS.find((d) => existsSync(join(d, 'index.html')));
  if (!dir) throw new WebAssetsError(`index.html not found in ${SOURCE_DIRS.join(' or ')}`);
  const entry = ['app.ts', 'app.js'].map((f) => join(dir, f)).find((p) => existsSync(p));
  if (!entry) throw new WebAssetsError(`app.ts not found in ${dir}`);
  const [html, result] = await Promise.all([
    readFile(join(dir, 'index.html')),
    build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      minify: true,
      logLevel: 'silent',
    }),
  ]);
  const js = result.outputFiles[0];
  if (!js) throw new WebAssetsError('esbuild produced no output');
  return {
    page: asset(html, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(html.toString('utf8')),
    }),
    script: asset(Buffer.from(js.contents), { 'content-type': 'text/javascript; charset=utf-8' }),
  };
}

/**
 * Only our own script, our one inline stylesheet (by digest) and connections back to this host (`'self'`
 * covers ws:/wss: to the same host in CSP 3).
 */
function contentSecurityPolicy(html: string): string {
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${styles.join(' ') || "'none'"}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function asset(body: Buffer, headers: Record<string, string>): WebAsset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, etag, headers: { ...COMMON_HEADERS, ...headers } };
}

/**
 * `GET /` and `GET /app.js`. No token is needed: the page holds no data, it connects to `/ws` with the token
 * of its own URL. Registered before or after the catch-all 404 alike: uWS prefers a static route to `/*`.
 */
export function registerWebRoutes(app: TemplatedApp, assets: WebAssets): void {
  app.get('/', (res, req) => serve(res, req, assets.page));
  app.get('/app.js', (res, req) => serve(res, req, assets.script));
}

function serve(res: HttpResponse, req: HttpRequest, a: WebAsset): void {
  const ifNoneMatch = req.getHeader('if-none-match');
  const fresh =
    ifNoneMatch !== '' && ifNoneMatch.split(',').some((t) => t.trim() === a.etag || t.trim() === '*');
  res.cork(() => {
    res.writeStatus(fresh ? '304 Not Modified' : '200 OK').writeHeader('etag', a.etag);
    for (const [k, v] of Object.entries(a.headers)) res.writeHeader(k, v);
    // Not endWithoutBody(length): this uWS build aborts the process when given a length.
    if (fresh) res.endWithoutBody();
    else res.end(a.body);
  });
}
