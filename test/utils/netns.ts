import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';

const run = promisify(execFile);

/*
 * A small network of "hosts" on this machine, for tests that must prove something across hosts (gateways on
 * several machines behind one Redis): each host is a network namespace with one address, all of them plugged
 * into a bridge that lives in a namespace of its own (the "switch"), so the machine's own firewall and routes
 * take no part. The test process itself is one more host: a veth from the root namespace into the switch, with
 * its own address (the `.1` of the subnet). Needs root and iproute2 (`ip netns`).
 *
 * Names carry the creating process's pid (`mh<pid>-…`): a run that crashed leaves namespaces and links whose pid
 * is dead, and the next run removes exactly those (and the processes still running inside them), never those
 * of a run still going.
 */

/** The name family of everything a NetLab creates: `mh<pid>-<what>`. */
const NAME = /^mh(\d+)-/;
/** The test process's end of its veth into the switch, in the root namespace (≤ 15 characters). */
const clientLink = (prefix: string) => `${prefix}-c`;

/** `ip …`, failing with its stderr. */
export async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`ip ${args.join(' ')}: ${err.stderr?.trim() || err.message}`, { cause: e });
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Kills every process inside the namespace (a crashed run's redis-server, gateways). */
async function killInside(ns: string): Promise<void> {
  const pids = (await ip('netns', 'pids', ns).catch(() => '')).split('\n').filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Removes the namespaces and root-namespace links of earlier runs whose process is dead (or is this one:
 * a run that reused the pid of a crashed one). Returns what it removed.
 */
export async function removeLeftovers(): Promise<string[]> {
  const stale = (name: string) => {
    const m = NAME.exec(name);
    if (!m) return false;
    const pid = Number(m[1]);
    return pid === process.pid || !alive(pid);
  };
  const removed: string[] = [];
  const namespaces = (await ip('netns', 'list')).split('\n').map((l) => l.split(' ')[0] ?? '');
  for (const ns of namespaces.filter(stale)) {
    await killInside(ns);
    await ip('netns', 'del', ns);
    removed.push(ns);
  }
  const links = (await ip('-o', 'link', 'show')).split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '');
  for (const link of links.filter(stale)) {
    await ip('link', 'del', link).catch(() => undefined); // its namespace's deletion may have taken it already
    removed.push(link);
  }
  return removed;
}

/** A /24 in 10.224.0.0/11 that no route of the root namespace names (a concurrent run's included). */
async function freeSubnet(): Promise<string> {
  const routes = await ip('-4', 'route', 'show');
  for (;;) {
    const subnet = `10.${224 + Math.floor(Math.random() * 31)}.${Math.floor(Math.random() * 256)}`;
    if (!routes.includes(`${subnet}.`)) return subnet;
  }
}

export interface Host {
  readonly name: string;
  /** The namespace's name (for `ip netns exec`). */
  readonly ns: string;
  readonly address: string;
}

export class NetLab {
  readonly prefix = `mh${process.pid}`;
  private readonly switchNs = `${this.prefix}-sw`;
  private readonly hosts: Host[] = [];
  private readonly children: ChildProcess[] = [];
  private subnet = '';

  /** This process's address on the lab network. */
  get clientAddress(): string {
    return `${this.subnet}.1`;
  }

  /** The switch (a bridge in its own namespace) and this process's veth into it. */
  async create(): Promise<void> {
    this.subnet = await freeSubnet();
    const sw = this.switchNs;
    await ip('netns', 'add', sw);
    await ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', sw, 'link', 'set', 'br0', 'up');
    const link = clientLink(this.prefix);
    await ip('link', 'add', link, 'type', 'veth', 'peer', 'name', 'client', 'netns', sw);
    await ip('-n', sw, 'link', 'set', 'client', 'master', 'br0', 'up');
    await ip('addr', 'add', `${this.clientAddress}/24`, 'dev', link);
    await ip('link', 'set', link, 'up');
  }

  /** A host: a namespace with loopback and `eth0` at `<subnet>.<n>`, plugged into the switch as port `name`. */
  async addHost(name: string): Promise<Host> {
    if (name.length > 15 || name === 'br0' || name === 'client') throw new Error(`bad host name ${name}`);
    const ns = `${this.prefix}-${name}`;
    const address = `${this.subnet}.${this.hosts.length + 2}`;
    const host = { name, ns, address };
    await ip('netns', 'add', ns);
    this.hosts.push(host); // from here on, destroy() removes it, whatever fails next
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip('-n', this.switchNs, 'link', 'add', name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ip('-n', this.switchNs, 'link', 'set', name, 'master', 'br0', 'up');
    await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    return host;
  }

  /**
   * Runs a program on a host (`ip netns exec` execs it: the child's pid is the program's). Killed at destroy.
   * Output is piped; the caller reads it or leaves it.
   */
  spawn(
    host: Host,
    command: string,
    args: readonly string[],
    options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
  ): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', host.ns, command, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    return child;
  }

  /** Unplugs the host from the switch: its packets go nowhere, its TCP connections stall (no reset). */
  async unplug(host: Host): Promise<void> {
    await ip('-n', this.switchNs, 'link', 'set', host.name, 'down');
  }

  async plug(host: Host): Promise<void> {
    await ip('-n', this.switchNs, 'link', 'set', host.name, 'up');
  }

  /** Kills the hosts' processes and removes every namespace and link this lab made. */
  async destroy(): Promise<void> {
    for (const child of this.children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    for (const { ns } of this.hosts.splice(0)) {
      await killInside(ns);
      await ip('netns', 'del', ns);
    }
    // Deleting one end of a veth deletes the other: the switch's namespace takes this process's link with it,
    // but the kernel does that asynchronously, so the link is deleted here first.
    await ip('link', 'del', clientLink(this.prefix)).catch(() => undefined);
    await ip('netns', 'del', this.switchNs).catch(() => undefined);
  }
}
