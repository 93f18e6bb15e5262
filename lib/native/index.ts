// Loader and typed surface of the C addon (lib/native/addon.c). The addon only
// makes syscalls; it is loaded lazily, on first use, so VERSION never pays for it.
import { loadFrom, places } from './load';
export interface Addon {
  flock(fd: number, op: number): void;
  /** socket(AF_NETLINK) created, bound and configured inside nsPath (null: this netns); one C call. */
  nlOpen(nsPath: string | null, protocol: number, timeoutMs?: number): number;
  nlSend(fd: number, bytes: Uint8Array): void;
  /** nlSend on a worker thread: the kernel does rtnetlink work inside sendto (a veth delete: ~17 ms). */
  nlSendAsync(fd: number, bytes: Uint8Array): Promise<void>;
  /** The next datagram from the kernel, whole; .code 'ETIMEDOUT' when SO_RCVTIMEO expires. */
  nlRecv(fd: number, maxLen?: number): Uint8Array;
  close(fd: number): void;
  /** Writes /proc/sys/<relPath> opened inside nsPath (null: this netns). */
  sysctlWrite(nsPath: string | null, relPath: string, value: string): void;
  sysctlRead(nsPath: string | null, relPath: string): string;
  /** Inode (decimal) of a network namespace file, null: this thread's; EINVAL if not a netns. */
  nsIno(path: string | null): string;
}
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_UN = 8;

let addon: Addon | undefined;
export function native(): Addon {
  addon ??= load();
  return addon;
}

/** flock(2); blocks until the lock is granted. Throws an Error with .code = errno name. */
export function flock(fd: number, op: typeof LOCK_EX | typeof LOCK_SH | typeof LOCK_UN): void {
  native().flock(fd, op);
}

// In the standalone executable the addon is a SEA asset, dlopen'ed from a file beside the
// executable (written at build and install time; the one place sure to allow exec), else
// from a root-only cache in /run/cnits, else from a private temp dir: see ./load.ts. The
// happy path is one lstat and the dlopen (0.2 ms; extracting the asset costs ~1 ms).
// From source (tests, tools) it is lib/native/build/Release/cnits.node.
declare const __CNITS_ADDON_ID__: string | undefined;
const addonId = typeof __CNITS_ADDON_ID__ === 'string' ? __CNITS_ADDON_ID__ : 'dev';

function load(): Addon {
  const mod = { exports: {} as Addon };
  const sea = process.getBuiltinModule('node:sea');
  if (!sea.isSea()) {
    process.dlopen(mod, process.env['CNITS_ADDON'] ?? new URL('./build/Release/cnits.node', import.meta.url).pathname);
    return mod.exports;
  }
  const fs = process.getBuiltinModule('node:fs');
  const os = process.getBuiltinModule('node:os');
  const path = process.getBuiltinModule('node:path');
  // execPath comes from /proc/self/exe: already the real path, no symlink to resolve
  const list = places(path.dirname(process.execPath), addonId, os.tmpdir());
  return loadFrom(list, {
    fs,
    bytes: () => new Uint8Array(sea.getAsset('cnits.node')),
    dlopen: (file) => {
      process.dlopen(mod, file);
      return mod.exports;
    },
    euid: process.geteuid?.() ?? -1,
    exeOwner: () => fs.statSync(process.execPath).uid,
  });
}
