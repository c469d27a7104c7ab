import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Runs a TypeScript entry point (`feed/main.ts`…) as its own process with `env` on top of this one's, and
 * resolves with its exit code and output once it exits. Killed (and rejected) after `timeoutMs`. With
 * `TEST_CLOCK_START` in `env`, the process's Date.now() starts at that instant (shifted-clock.ts).
 */
export function runEntry(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clock = path.join(root, 'test/utils/shifted-clock.ts');
  const args = [
    '--import',
    'tsx',
    ...('TEST_CLOCK_START' in env ? ['--import', clock] : []),
    path.join(root, entry),
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
