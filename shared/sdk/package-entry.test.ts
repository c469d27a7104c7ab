import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_NAMES } from '../scan/lists.js';

const exec = promisify(execFile);
/** Runs a command; a failure's message carries its output (tsc reports errors on stdout). */
const run = (file: string, args: readonly string[], options: { cwd?: string } = {}) =>
  exec(file, args, options).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/*
 * The SDK as a consumer of the package gets it: `import … from 'open-scanner/sdk'`, resolved through
 * package.json's `exports` to the build's output. The build here is the real build configuration
 * (tsconfig.build.json) narrowed to the SDK's entry and written to a scratch copy of the package, so that this
 * test neither takes the whole build's time nor writes dist/ while another test (pm2's) reads it.
 */
describe('the package entry open-scanner/sdk', () => {
  const pkg = mkdtempSync(path.join(tmpdir(), 'open-scanner-pkg-'));

  beforeAll(async () => {
    copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    const config = path.join(pkg, 'tsconfig.sdk.json');
    writeFileSync(
      config,
      JSON.stringify({
        extends: path.join(root, 'tsconfig.build.json'),
        compilerOptions: {
          rootDir: root,
          outDir: path.join(pkg, 'dist'),
          sourceMap: false,
          // `types: ["node"]` is looked up from the config's folder, which here is outside the repository.
          typeRoots: [path.join(root, 'node_modules/@types')],
        },
        files: [path.join(root, 'shared/sdk/index.ts')],
        include: [],
      }),
    );
    await run(process.execPath, [tsc, '-p', config]);
  }, 60_000);
  afterAll(() => rmSync(pkg, { recursive: true, force: true }));

  it('is emitted by the build with its type declarations', () => {
    for (const file of ['index.js', 'index.d.ts', 'list-client.d.ts'])
      expect(existsSync(path.join(pkg, 'dist/shared/sdk', file)), file).toBe(true);
  });

  it('loads by package name in a fresh Node process, without any dependency installed', async () => {
    // No node_modules in the scratch package: an SDK that loaded zod or ws at run time would fail here.
    const script = path.join(pkg, 'consumer.mjs');
    writeFileSync(
      script,
      `const sdk = await import('open-scanner/sdk');
       const client = new sdk.ListClient({ url: 'ws://127.0.0.1:1/ws', WebSocket: class {} });
       console.log(JSON.stringify({ exports: Object.keys(sdk).sort(), lists: sdk.LIST_NAMES, status: client.status }));`,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: pkg });
    expect(JSON.parse(stdout)).toEqual({
      exports: ['LIST_NAMES', 'ListClient', 'ListTracker', 'SESSIONS', 'advanceSnapshot'],
      lists: [...LIST_NAMES],
      status: 'closed',
    });
  });

  it('gives a TypeScript consumer its types through the same entry', async () => {
    symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
    writeFileSync(
      path.join(pkg, 'typed-consumer.ts'),
      `import { ListClient, type InflateRaw, type ScanRow } from 'open-scanner/sdk';
       const client = new ListClient({ url: 'ws://127.0.0.1:8080/ws', lists: ['gappers_up'] });
       client.onList((list, rows: readonly ScanRow[]) => rows.map((r) => r.changePercent ?? r.symbol));
       const inflateRaw: InflateRaw = (data, dictionary) => data.subarray(dictionary.length);
       new ListClient({ url: 'ws://x/ws', encoding: 'deflate', inflateRaw });
       // @ts-expect-error: not a list name
       new ListClient({ url: 'ws://x/ws', lists: ['no_such_list'] });`,
    );
    writeFileSync(
      path.join(pkg, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node'],
        },
        files: ['typed-consumer.ts'],
      }),
    );
    const check = run(process.execPath, [tsc, '-p', path.join(pkg, 'tsconfig.json')]);
    await expect(check).resolves.toBeDefined();
  }, 60_000);
});
