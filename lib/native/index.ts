// Loader and typed surface of the C addon (lib/native/addon.c). The addon only
// makes syscalls; it is loaded lazily, on first use, so VERSION never pays for it.
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

// In the standalone executable the addon is a SEA asset. It is extracted once per
// build into a root-only cache dir and dlopen'ed from there (0.2 ms; extracting it
// on every exec costs ~1 ms); where that dir is not safe to use, it goes through a
// private temp dir that is removed right after dlopen (the mapping outlives the file).
// From source (tests, tools) it is lib/native/build/Release/cnits.node.
declare const __CNITS_ADDON_ID__: string | undefined;
const addonId = typeof __CNITS_ADDON_ID__ === 'string' ? __CNITS_ADDON_ID__ : 'dev';
export const addonCacheDir = '/run/cnits';

function load(): Addon {
  const mod = { exports: {} as Addon };
  const sea = process.getBuiltinModule('node:sea');
  if (!sea.isSea()) {
    process.dlopen(mod, process.env['CNITS_ADDON'] ?? new URL('./build/Release/cnits.node', import.meta.url).pathname);
    return mod.exports;
  }
  const fs = process.getBuiltinModule('node:fs');
  const path = process.getBuiltinModule('node:path');
  const cached = path.join(addonCacheDir, `cnits-${addonId}.node`);
  if (trustedCache(fs, cached)) {
    process.dlopen(mod, cached);
    return mod.exports;
  }
  const bytes = new Uint8Array(sea.getAsset('cnits.node'));
  if (fillCache(fs, cached, bytes)) {
    process.dlopen(mod, cached);
    return mod.exports;
  }
  const os = process.getBuiltinModule('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnits-'));
  try {
    const file = path.join(dir, 'cnits.node');
    fs.writeFileSync(file, bytes, { mode: 0o700 });
    process.dlopen(mod, file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return mod.exports;
}

type Fs = typeof import('node:fs');

/** The cache dir and file must be ours (euid), not writable by others, and not symlinks. */
function trustedCache(fs: Fs, file: string): boolean {
  try {
    const uid = process.geteuid?.() ?? -1;
    const d = fs.lstatSync(addonCacheDir);
    const f = fs.lstatSync(file);
    return d.isDirectory() && d.uid === uid && (d.mode & 0o022) === 0 && f.isFile() && f.uid === uid && (f.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Writes the cache file atomically (temp name + rename); false if the dir cannot be made safe. */
function fillCache(fs: Fs, file: string, bytes: Uint8Array): boolean {
  try {
    fs.mkdirSync(addonCacheDir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes, { mode: 0o700, flag: 'wx' });
    fs.renameSync(tmp, file);
    return trustedCache(fs, file);
  } catch {
    fs.rmSync(tmp, { force: true });
    return false;
  }
}
