// Network namespaces, the only way lib/ reaches one: a Netlink handle whose socket
// was created inside it. No setns is ever exposed to JS (the addon switches and
// switches back within one C call), so awaiting inside withNetns is safe.
import { native } from '../native';
import { Netlink } from './rtnl';
import { nativeSysctls, openRawNetlink, type OpenOptions } from './transport';

/** Error of a netns path: .code ENOENT (missing) or EINVAL (not a network namespace), .path. */
export class NetnsError extends Error {
  override readonly name = 'NetnsError';
  readonly code: string;
  readonly errno: number;
  readonly syscall: string | undefined;
  readonly path: string;

  constructor(path: string, cause: unknown) {
    const e = (cause ?? {}) as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? e.code : 'EUNKNOWN';
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EINVAL' ? 'is not a network namespace' : String(e.message);
    super(`network namespace ${JSON.stringify(path)} ${why}`, { cause });
    this.code = code;
    this.errno = typeof e.errno === 'number' ? e.errno : 0;
    this.syscall = typeof e.syscall === 'string' ? e.syscall : undefined;
    this.path = path;
  }
}

/**
 * A handle on the netns at `path` (null: the current one). The caller must close() it;
 * prefer withNetns, which always does.
 */
export function openNetlink(path: string | null, opts: OpenOptions = {}): Netlink {
  let raw;
  try {
    raw = openRawNetlink(path, opts);
  } catch (err) {
    throw path === null ? err : new NetnsError(path, err);
  }
  return new Netlink(raw, nativeSysctls(path), path ?? undefined);
}

/** Runs fn with a handle on the netns at `path` (null: the current one) and closes it afterwards. */
export async function withNetns<T>(path: string | null, fn: (nl: Netlink) => Promise<T> | T): Promise<T> {
  const nl = openNetlink(path);
  try {
    return await fn(nl);
  } finally {
    nl.close();
  }
}

/**
 * True when `path` is a network namespace, false when it does not exist;
 * throws NetnsError (EINVAL) for a file that is something else.
 */
export function netnsExists(path: string): boolean {
  try {
    native().nsIno(path);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return false;
    throw new NetnsError(path, err);
  }
}

/** Inode number of a netns (null: the current thread's); equal inodes = same netns. */
export function netnsId(path: string | null): string {
  try {
    return native().nsIno(path);
  } catch (err) {
    throw path === null ? err : new NetnsError(path, err);
  }
}
