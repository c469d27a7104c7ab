import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { onCleanup } from './cleanup.js';

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
  const child = spawn(process.execPath, entryArgs(entry, env), {
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

/** `node` arguments running a TypeScript entry point, with the shifted clock when `TEST_CLOCK_START` is set. */
function entryArgs(entry: string, env: Record<string, string>): string[] {
  const clock = path.join(root, 'test/utils/shifted-clock.ts');
  return [
    '--import',
    'tsx',
    ...('TEST_CLOCK_START' in env ? ['--import', clock] : []),
    path.join(root, entry),
  ];
}

/** A product entry point running as its own process, and what it has printed so far. */
export interface Proc {
  readonly child: ChildProcess;
  readonly entry: string;
  output: string;
  /** SIGKILL (kill -9) and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, and SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts `entry` (`orchestrator/main.ts`…) as `node --import tsx <entry>`, the way production runs it (bar the
 * compile step), with `env` on top of this process's. It is killed when the current test ends. With
 * `TEST_CLOCK_START` in `env`, the process's Date.now() starts at that instant (test/utils/shifted-clock.ts).
 */
export function startEntry(entry: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, entryArgs(entry, env), {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const proc: Proc = {
    child,
    entry,
    output: '',
    async kill9() {
      if (exited()) return;
      const done = once(child, 'exit');
      child.kill('SIGKILL');
      await done;
    },
    async stop(graceMs = 10_000) {
      if (exited()) return child.exitCode;
      const done = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code] = await done;
      clearTimeout(timer);
      return code;
    },
  };
  // Kept short: enough to explain a failure, never the whole run's logs in memory.
  const keep = (d: Buffer) => (proc.output = (proc.output + d.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  onCleanup(() => proc.kill9(), `kill ${entry}`);
  return proc;
}
