import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/*
 * uWebSockets.js is a native addon shipped as one prebuilt binary per (platform, arch, Node ABI). The build the
 * gateway installs (an npm alias of @trufflesuite/uws-js-unofficial, the one build on the npm registry) has
 * binaries for Node 16, 18 and 20 only; on any other Node it silently falls back to a JavaScript shim that lacks
 * what the gateway uses, and the first HTTP request crashed with a stack. So the gateway checks for its binary
 * before loading the addon, and an unsupported runtime stops at once with one line that says what to run.
 */

/** Node's module ABI (`process.versions.modules`) → its release line, for the message. */
const NODE_LINE_OF_ABI: Readonly<Record<string, string>> = {
  '93': '16',
  '108': '18',
  '115': '20',
  '120': '21',
  '127': '22',
  '131': '23',
  '137': '24',
  '141': '25',
  '147': '26',
};

export interface Runtime {
  readonly version: string;
  readonly modules: string;
  readonly platform: string;
  readonly arch: string;
}

const here: Runtime = {
  version: process.version,
  modules: process.versions.modules,
  platform: process.platform,
  arch: process.arch,
};

/** Where the installed uWebSockets.js keeps its binaries. */
export function uwsBinariesDir(): string {
  const pkg = createRequire(import.meta.url).resolve('uWebSockets.js/package.json');
  return path.join(path.dirname(pkg), 'binaries');
}

/** Why the installed uWebSockets.js cannot run on `runtime`, in one line; undefined when it can. */
export function nativeBuildProblem(
  runtime: Runtime = here,
  binariesDir = uwsBinariesDir(),
): string | undefined {
  const prefix = `uws_${runtime.platform}_${runtime.arch}_`;
  if (existsSync(path.join(binariesDir, `${prefix}${runtime.modules}.node`))) return undefined;
  const lines = (existsSync(binariesDir) ? readdirSync(binariesDir) : [])
    .filter((f) => f.startsWith(prefix) && f.endsWith('.node'))
    .map((f) => f.slice(prefix.length, -'.node'.length))
    .sort((a, b) => Number(a) - Number(b))
    .map((abi) => NODE_LINE_OF_ABI[abi] ?? `ABI ${abi}`);
  const supported =
    lines.length === 0
      ? `has no binary for ${runtime.platform}-${runtime.arch}`
      : `runs on Node.js ${lines.join(', ')} only on ${runtime.platform}-${runtime.arch}`;
  return (
    `open-scanner: Node.js ${runtime.version} is not supported: the gateway's uWebSockets.js build ${supported}. ` +
    'Use Node.js 20 (README "Runtimes").'
  );
}
