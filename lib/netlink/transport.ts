// Transport: moves datagrams between a netlink socket and the codec, nothing else.
// The addon creates the socket inside the target netns in one C call; the socket
// stays bound to that netns for its life, whatever thread later uses it.
import { native } from '../native';
import { NETLINK_ROUTE } from './constants';

/** A datagram pipe to the kernel, already bound in the right netns. */
export interface RawNetlink {
  send(bytes: Uint8Array): void;
  /** send() on a worker thread, for requests the kernel takes long to carry out */
  sendAsync?(bytes: Uint8Array): Promise<void>;
  /** The next whole datagram (one or more messages); throws .code 'ETIMEDOUT' on silence. */
  recv(): Uint8Array;
  close(): void;
}

/** /proc/sys of one netns; relPath like "net/ipv4/conf/eth0/arp_notify". */
export interface SysctlIO {
  read(relPath: string): string;
  write(relPath: string, value: string): void;
}

export interface OpenOptions {
  /** NETLINK_ROUTE by default */
  protocol?: number;
  /** receive timeout, ms (default 30000) */
  timeoutMs?: number;
}

/** A netlink socket living in nsPath (null: the caller's netns). */
export function openRawNetlink(nsPath: string | null, opts: OpenOptions = {}): RawNetlink {
  const addon = native();
  let fd = addon.nlOpen(nsPath, opts.protocol ?? NETLINK_ROUTE, opts.timeoutMs ?? 30_000);
  const live = (): number => {
    // a closed fd number may already belong to someone else: never reuse it
    if (fd < 0) throw Object.assign(new Error('EBADF: netlink socket is closed'), { code: 'EBADF', errno: -9 });
    return fd;
  };
  return {
    send: (bytes) => addon.nlSend(live(), bytes),
    sendAsync: (bytes) => addon.nlSendAsync(live(), bytes),
    recv: () => addon.nlRecv(live()),
    close: () => {
      if (fd < 0) return;
      const f = fd;
      fd = -1;
      addon.close(f);
    },
  };
}

/** Sysctls of nsPath's netns, each access opening the file while switched into it. */
export function nativeSysctls(nsPath: string | null): SysctlIO {
  const addon = native();
  return {
    read: (rel) => addon.sysctlRead(nsPath, rel),
    write: (rel, value) => addon.sysctlWrite(nsPath, rel, value),
  };
}
