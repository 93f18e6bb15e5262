// Random link names and MACs, from /dev/urandom: node:crypto costs ~9 ms to load on the exec path.
import { closeSync, openSync, readSync } from 'node:fs';

function urandom(n: number): Buffer {
  const buf = Buffer.alloc(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    readSync(fd, buf, 0, n, null);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** "veth" + 8 random hex digits (ip.RandomVethName). */
export function randomVethName(): string {
  return `veth${urandom(4).toString('hex')}`;
}

/** A locally administered unicast MAC. */
export function randomMac(): string {
  const buf = urandom(6);
  buf[0] = (buf[0]! & 0xfe) | 0x02;
  return [...buf].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
