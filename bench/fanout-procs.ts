import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';

/*
 * Processes of the fan-out bench: starting them pinned to a core with the open-files limit raised, and reading
 * their CPU time and resident memory from /proc, the same way for the server under test, the load generator
 * and Redis.
 */

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time (user + system) of a process so far, ms; undefined when it cannot be read. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Resident memory, MB; undefined when it cannot be read. */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** How a child is placed: the CPU list for taskset (undefined: not pinned). */
export interface Placement {
  readonly cpus: string | undefined;
}

/**
 * Starts `node [tsx] <entry> args…` with the open-files soft limit raised to the hard one (ten thousand sockets
 * need more than the usual 1024) and, when asked, pinned with taskset. The shell `exec`s, so the child's pid is
 * node's.
 */
export function startNode(
  entry: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; placement: Placement; ipc?: boolean },
): ChildProcess {
  const compiled = entry.endsWith('.js');
  const node = [process.execPath, ...(compiled ? [] : ['--import', 'tsx']), entry, ...args];
  const pinned =
    options.placement.cpus === undefined ? node : ['taskset', '-c', options.placement.cpus, ...node];
  const script = `ulimit -n "$(ulimit -Hn)"; exec ${pinned.map(shellQuote).join(' ')}`;
  return spawn('sh', ['-c', script], {
    env: options.env,
    stdio: ['ignore', 'ignore', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The open-files limit a child gets (the hard limit, which startNode raises the soft one to). */
export function openFilesLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim());
}

/** A free TCP port on 127.0.0.1 (bound by the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts connections on the port. */
export async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${stderr()}`);
    if (Date.now() > deadline) throw new Error(`server did not listen on ${port}:\n${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
