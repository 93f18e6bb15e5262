// Loader and typed surface of the C addon (lib/native/addon.c). The addon only
// makes syscalls; it is loaded lazily, on first use, so VERSION never pays for it.
export interface Addon {
  flock(fd: number, op: number): void;
  /** socket(AF_NETLINK) created, bound and configured inside nsPath (null: this netns); one C call. */
  nlOpen(nsPath: string | null, protocol: number, timeoutMs?: number): number;
  nlSend(fd: number, bytes: Uint8Array): void;
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

// In the standalone executable the addon is a SEA asset: write it to a private
// (0700) temp dir, dlopen it, unlink it (~1 ms; the mapping outlives the file).
// From source (tests, tools) it is lib/native/build/Release/cnits.node.
function load(): Addon {
  const mod = { exports: {} as Addon };
  const sea = process.getBuiltinModule('node:sea');
  if (sea.isSea()) {
    const fs = process.getBuiltinModule('node:fs');
    const path = process.getBuiltinModule('node:path');
    const os = process.getBuiltinModule('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnits-'));
    try {
      const file = path.join(dir, 'cnits.node');
      fs.writeFileSync(file, new Uint8Array(sea.getAsset('cnits.node')), { mode: 0o700 });
      process.dlopen(mod, file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const file = process.env['CNITS_ADDON'] ?? new URL('./build/Release/cnits.node', import.meta.url).pathname;
    process.dlopen(mod, file);
  }
  return mod.exports;
}
