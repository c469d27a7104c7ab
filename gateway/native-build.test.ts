import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEntry } from '../test/utils/process.js';
import { nativeBuildProblem, uwsBinariesDir } from './native-build.js';

const linux = (version: string, modules: string) => ({ version, modules, platform: 'linux', arch: 'x64' });

describe('the uWebSockets.js runtime check', () => {
  it('accepts the Node.js this suite runs on', () => {
    expect(nativeBuildProblem()).toBeUndefined();
  });

  it('refuses a Node.js line the installed build has no binary for, naming the lines it has', () => {
    const problem = nativeBuildProblem(linux('v22.11.0', '127'));
    expect(problem).toBe(
      "open-scanner: Node.js v22.11.0 is not supported: the gateway's uWebSockets.js build runs on Node.js 16, 18, " +
        '20 only on linux-x64. Use Node.js 20 (README "Runtimes").',
    );
    expect(nativeBuildProblem(linux('v24.3.0', '137'))).toContain('Node.js v24.3.0 is not supported');
  });

  it('reads the supported lines from the binaries installed, so a swapped build is judged by what it ships', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'uws-bin-'));
    for (const abi of ['115', '127']) writeFileSync(path.join(dir, `uws_linux_x64_${abi}.node`), '');
    expect(nativeBuildProblem(linux('v22.11.0', '127'), dir)).toBeUndefined();
    expect(nativeBuildProblem(linux('v24.3.0', '137'), dir)).toContain(
      'runs on Node.js 20, 22 only on linux-x64',
    );
    expect(nativeBuildProblem({ ...linux('v20.1.0', '115'), arch: 'riscv64' }, dir)).toContain(
      'has no binary for linux-riscv64',
    );
  });

  it('finds the installed build', () => {
    expect(uwsBinariesDir()).toMatch(/uWebSockets\.js[/\\]binaries$/);
  });

  it('stops the gateway with that one line and exit code 2 before loading the addon', async () => {
    // The guard module alone, on a runtime it must refuse: an ABI no build ships.
    const { code, stderr, stdout } = await runEntry('test/fixtures/unsupported-runtime.ts', {});
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain("is not supported: the gateway's uWebSockets.js build runs on Node.js");
  });
});
