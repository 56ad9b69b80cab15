import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';

/**
 * Which process listens on a TCP port, from Linux's /proc: the socket's inode from
 * /proc/net/tcp{,6}, then the process holding a descriptor `socket:[inode]` under /proc/PID/fd.
 * So `shardmesh up` can name the process in its way instead of printing EADDRINUSE.
 */

export interface PortOwner {
  readonly pid: number;
  /** Its command line, arguments joined by spaces. */
  readonly command: string;
}

const LISTEN = '0A';

/**
 * The inodes of sockets listening on `port` in the text of /proc/net/tcp or tcp6: one socket a
 * line, `sl local_address rem_address st ... inode`, addresses as HEXIP:HEXPORT.
 */
export function listeningInodes(table: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const localPort = Number.parseInt(fields[1]!.split(':')[1] ?? '', 16);
    if (localPort === port && fields[3] === LISTEN && fields[9] !== '0') inodes.push(fields[9]!);
  }
  return inodes;
}

async function commandOf(pid: string): Promise<string> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter(Boolean).join(' ');
}

/**
 * The process listening on `port`; undefined when none is, when /proc is not there (not Linux),
 * or when the owner's descriptors are not readable by this user.
 */
export async function findPortOwner(port: number): Promise<PortOwner | undefined> {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((f) => readFile(f, 'utf8').catch(() => '')),
  );
  const sockets = new Set(tables.flatMap((t) => listeningInodes(t, port)).map((i) => `socket:[${i}]`));
  if (sockets.size === 0) return undefined;
  for (const pid of (await readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (sockets.has(target)) return { pid: Number(pid), command: await commandOf(pid) };
    }
  }
  return undefined;
}

/** Whether `host:port` can be listened on now (closed again at once). */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Undefined when `host:port` is free; otherwise a message naming what holds it, as far as this
 * user can see, and what to do.
 */
export async function portInUseMessage(port: number, host: string): Promise<string | undefined> {
  if (await portIsFree(port, host)) return undefined;
  const owner = await findPortOwner(port);
  const who = owner
    ? `PID ${owner.pid} (${owner.command.length > 200 ? `${owner.command.slice(0, 200)}…` : owner.command})`
    : 'a process this user cannot see';
  return `port ${port} is in use by ${who}; stop it, or give another --port (0 picks a free one)`;
}
