// Who is really asking: the daemon serves a connection only when the process on the other
// end could have done the work itself, judged from the kernel (SO_PEERCRED and /proc), never
// from what the shim wrote in its request. Whoever passes runs plugins as root through us, so
// the bar is exactly a one-shot exec's: a process that could not configure this host's
// network itself must not be able to through the daemon.
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { native, type Addon } from '../native';

/** The addon's peer functions (lib/native/addon.c); typed here so the loader stays as it is. */
interface PeerAddon {
  peerCred(fd: number): { pid: number; uid: number; gid: number; pidfd: number };
  pidfdAlive(pidfd: number): boolean;
}
const addon = (): Addon & PeerAddon => native() as Addon & PeerAddon;

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;
/** uid_map of the initial user namespace: every id maps to itself */
const INITIAL_UID_MAP = '0 0 4294967295';

/** What the daemon's own process looks like; a peer must look the same. */
export interface Identity {
  uid: number;
  /** "net:dev:ino mnt:dev:ino user:dev:ino" */
  namespaces: string;
  /** dev:ino of the root directory */
  root: string;
  /** the LSM label (AppArmor/SELinux), '' when there is none */
  label: string;
}

export interface Peer {
  pid: number;
  uid: number;
  /** why it must not be served; undefined: serve it */
  refused: string | undefined;
}

const id = (s: { dev: bigint; ino: bigint }) => `${s.dev}:${s.ino}`;

function identityOf(proc: string): Omit<Identity, 'uid'> {
  const namespaces = ['net', 'mnt', 'user'].map((k) => {
    try { return `${k}:${id(statSync(`${proc}/ns/${k}`, { bigint: true }))}`; } catch { return `${k}:?`; }
  }).join(' ');
  let label = '';
  try { label = readFileSync(`${proc}/attr/current`, 'utf8').replace(/\0/g, '').trim(); } catch { /* no LSM */ }
  return { namespaces, root: id(statSync(`${proc}/root`, { bigint: true })), label };
}

export function ownIdentity(): Identity {
  return { uid: process.geteuid?.() ?? -1, ...identityOf('/proc/self') };
}

/** Reads /proc/<pid> and says whether that process may be served; throws when it cannot be read. */
export function judge(pid: number, uid: number, own: Identity): string | undefined {
  if (pid <= 0) return 'peer in another pid namespace';
  if (uid !== own.uid) return `peer uid ${uid}, daemon uid ${own.uid}`;
  const proc = `/proc/${pid}`;
  const status = readFileSync(`${proc}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1];
  const capEff = BigInt(`0x${field('CapEff') ?? '0'}`);
  const missing = [[CAP_NET_ADMIN, 'CAP_NET_ADMIN'], [CAP_SYS_ADMIN, 'CAP_SYS_ADMIN']] as const;
  const lacks = missing.filter(([bit]) => !((capEff >> bit) & 1n)).map(([, name]) => name);
  if (lacks.length) return `peer lacks ${lacks.join(' and ')}`;
  // a filter may forbid the very syscalls the plugin would make: let the peer try them itself
  if (field('Seccomp') !== '0') return 'peer runs under a seccomp filter';
  const uidMap = readFileSync(`${proc}/uid_map`, 'utf8').trim().split(/\s+/).join(' ');
  if (uidMap !== INITIAL_UID_MAP) return 'peer not in the initial user namespace';
  const theirs = identityOf(proc);
  if (theirs.namespaces !== own.namespaces) return `peer in other namespaces (${theirs.namespaces}; daemon ${own.namespaces})`;
  // a chroot (even one onto a bind mount of /) sees other paths; readlink shows it as not "/"
  if (theirs.root !== own.root || readlinkSync(`${proc}/root`) !== '/') return 'peer has another root directory';
  if (theirs.label !== own.label) return `peer confined by LSM label ${JSON.stringify(theirs.label)}`;
  return undefined;
}

/** The peer of an accepted unix socket (its fd) and the verdict on it. Never throws. */
export function checkPeer(fd: number, own: Identity): Peer {
  let cred: ReturnType<PeerAddon['peerCred']>;
  try { cred = addon().peerCred(fd); } catch (err) {
    return { pid: 0, uid: -1, refused: `no peer credentials: ${(err as Error).message}` };
  }
  const peer = { pid: cred.pid, uid: cred.uid };
  try {
    if (cred.pidfd < 0) return { ...peer, refused: 'peer process cannot be pinned (no pidfd)' };
    const refused = judge(cred.pid, cred.uid, own);
    if (refused) return { ...peer, refused };
    // alive now, so every /proc read above was of that process: its pid was never free for reuse
    if (!addon().pidfdAlive(cred.pidfd)) return { ...peer, refused: 'peer exited during the check' };
    return { ...peer, refused: undefined };
  } catch (err) {
    return { ...peer, refused: `peer unreadable: ${(err as Error).message}` };
  } finally {
    if (cred.pidfd >= 0) try { addon().close(cred.pidfd); } catch { /* already closed */ }
  }
}
