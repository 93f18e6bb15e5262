// The on-disk store (backend/disk/backend.go + lock.go), byte-compatible with
// the Go plugin so both can share one directory:
//   <dataDir>/<network>/              0755
//   <dataDir>/<network>/<ip>          0600, "<containerID>\r\n<ifname>", O_EXCL
//   <dataDir>/<network>/last_reserved_ip.<set>   0600, the address text
//   <dataDir>/<network>/lock          O_CREAT|O_RDONLY 0750, flock(LOCK_EX)
import fs from 'node:fs';
import path from 'node:path';
import { LOCK_EX, LOCK_UN, flock } from '../../lib/native';
import { goFsError } from './fs-error';
import { parseIPNum } from '../../lib/ip';
import { type Lease, type Store, defaultDataDir, goTrimSpace, leaseContent, parseLeaseContent } from './store';

const LAST_IP_PREFIX = 'last_reserved_ip.';

export type LockFn = (fd: number, op: number) => void;

export interface DiskStoreOptions {
  /** flock(2); tests of a single process may pass a no-op */
  lock?: LockFn;
}

const defaultLock: LockFn = (fd, op) => flock(fd, op as typeof LOCK_EX | typeof LOCK_UN);

export class DiskStore implements Store {
  readonly dir: string;
  private readonly fd: number;
  private readonly flock: LockFn;

  constructor(network: string, dataDir: string, opts: DiskStoreOptions = {}) {
    this.dir = path.join(dataDir || defaultDataDir, network);
    this.flock = opts.lock ?? defaultLock;
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
      // go-filemutex: unix.Open(path, O_CREAT|O_RDONLY, 0750)
      this.fd = fs.openSync(path.join(this.dir, 'lock'), fs.constants.O_CREAT | fs.constants.O_RDONLY, 0o750);
    } catch (err) {
      throw goFsError(err);
    }
  }

  lock(): void {
    this.flock(this.fd, LOCK_EX);
  }

  unlock(): void {
    this.flock(this.fd, LOCK_UN);
  }

  close(): void {
    try {
      this.flock(this.fd, LOCK_UN);
    } finally {
      fs.closeSync(this.fd);
    }
  }

  reserve(id: string, ifname: string, ip: string, rangeSetIndex: number): boolean {
    const file = path.join(this.dir, ip);
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_EXCL | fs.constants.O_CREAT, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw goFsError(err);
    }
    let opened = true;
    try {
      const data = Buffer.from(leaseContent(id, ifname));
      for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off);
      opened = false;
      fs.closeSync(fd);
    } catch (err) {
      if (opened) fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw goFsError(err);
    }
    try {
      // same bytes as Go's os.WriteFile, but overwrite then shrink instead of O_TRUNC:
      // truncating a file that has data costs ~1 ms of journaling on ext4
      const fd = fs.openSync(path.join(this.dir, LAST_IP_PREFIX + rangeSetIndex), fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o600);
      try {
        const data = Buffer.from(ip);
        fs.writeSync(fd, data, 0, data.length, 0);
        fs.ftruncateSync(fd, data.length);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      throw goFsError(err);
    }
    return true;
  }

  lastReservedIP(rangeSetIndex: number): string | undefined {
    try {
      return fs.readFileSync(path.join(this.dir, LAST_IP_PREFIX + rangeSetIndex), 'utf8');
    } catch {
      return undefined; // the reference only logs read errors
    }
  }

  /** Lease-file candidates in name order: regular entries except lock and last_reserved_ip.* */
  private files(): string[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.dir, { withFileTypes: true });
    } catch {
      return []; // filepath.Walk errors are swallowed by the reference
    }
    return entries
      .filter((e) => !e.isDirectory() && e.name !== 'lock' && !e.name.startsWith(LAST_IP_PREFIX))
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private content(name: string): string | undefined {
    try {
      return fs.readFileSync(path.join(this.dir, name), 'utf8');
    } catch {
      return undefined;
    }
  }

  private matching(keys: readonly string[]): string[] {
    return this.files().filter((name) => {
      const c = this.content(name);
      return c !== undefined && keys.includes(goTrimSpace(c));
    });
  }

  private releaseByKey(key: string): boolean {
    let found = false;
    for (const name of this.matching([key])) {
      try {
        fs.unlinkSync(path.join(this.dir, name));
        found = true;
      } catch {
        // tolerated, as in the reference: release as much as possible
      }
    }
    return found;
  }

  releaseByID(id: string, ifname: string): void {
    if (!this.releaseByKey(leaseContent(id, ifname))) this.releaseByKey(goTrimSpace(id));
  }

  findByID(id: string, ifname: string): boolean {
    return this.matching([leaseContent(id, ifname)]).length > 0 || this.matching([goTrimSpace(id)]).length > 0;
  }

  getByID(id: string, ifname: string): string[] {
    return this.matching([leaseContent(id, ifname), goTrimSpace(id)]).filter((name) => parseIPNum(name) !== undefined);
  }

  listAll(): Lease[] {
    const out: Lease[] = [];
    for (const name of this.files()) {
      if (parseIPNum(name) === undefined) continue;
      const c = this.content(name);
      if (c !== undefined) out.push({ ip: name, ...parseLeaseContent(c) });
    }
    return out;
  }

  listIPs(): string[] {
    return this.files().filter((name) => parseIPNum(name) !== undefined);
  }

  release(ip: string): void {
    try {
      fs.unlinkSync(path.join(this.dir, ip));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw goFsError(err);
    }
  }
}

export function openDiskStore(network: string, dataDir: string, opts?: DiskStoreOptions): Store {
  return new DiskStore(network, dataDir, opts);
}
