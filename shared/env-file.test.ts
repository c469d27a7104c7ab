import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadEnvFile } from './env-file.js';

const run = promisify(execFile);

function envFile(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'env-file-'));
  const file = path.join(dir, '.env');
  writeFileSync(file, text);
  return { dir, file };
}

describe('.env (the file .env.example says to copy)', () => {
  it('sets the variables of the file that the environment does not set', () => {
    const { file } = envFile('# a comment\nGATEWAY_PORT=9090\nLOG_LEVEL="debug"\n\nSIM_START=PRE_MARKET\n');
    const env: NodeJS.ProcessEnv = {};
    expect(loadEnvFile(file, env).sort()).toEqual(['GATEWAY_PORT', 'LOG_LEVEL', 'SIM_START']);
    expect(env).toEqual({ GATEWAY_PORT: '9090', LOG_LEVEL: 'debug', SIM_START: 'PRE_MARKET' });
  });

  it('never overrides a variable the environment already sets, even to an empty string', () => {
    const { file } = envFile('GATEWAY_PORT=9090\nGATEWAY_TOKENS=secret\nLOG_LEVEL=debug\n');
    const env: NodeJS.ProcessEnv = { GATEWAY_PORT: '7070', GATEWAY_TOKENS: '' };
    expect(loadEnvFile(file, env)).toEqual(['LOG_LEVEL']);
    expect(env).toEqual({ GATEWAY_PORT: '7070', GATEWAY_TOKENS: '', LOG_LEVEL: 'debug' });
  });

  it('does nothing when there is no file', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadEnvFile(path.join(tmpdir(), 'no-such-dir-for-env-file', '.env'), env)).toEqual([]);
    expect(env).toEqual({});
  });

  it("is read by loadConfig from the working directory's .env, under the environment's own values", async () => {
    const { dir } = envFile('GATEWAY_PORT=9999\nLOG_LEVEL=debug\nSIM_TICKERS=300\n');
    const config = path.resolve(import.meta.dirname, 'config.ts');
    const script = `const { loadConfig } = await import(${JSON.stringify(config)});
      const c = loadConfig();
      process.stdout.write(JSON.stringify([c.GATEWAY_PORT, c.LOG_LEVEL, c.SIM_TICKERS, process.env.LOG_LEVEL]));`;
    const fromFile = ['LOG_LEVEL', 'GATEWAY_PORT', 'SIM_TICKERS'];
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !fromFile.includes(k)));
    const { stdout } = await run(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script],
      { cwd: dir, env: { ...inherited, LOG_LEVEL: 'error' } },
    );
    // From the file: the port and the universe size; from the environment: the level it set itself.
    expect(JSON.parse(stdout)).toEqual([9999, 'error', 300, 'error']);
  }, 30_000);
});
