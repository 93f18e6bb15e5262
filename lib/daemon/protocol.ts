// The shim <-> daemon wire format (build/shim/shim.c is the other side). Integers are
// little-endian u32; a "str" is a u32 length and that many bytes.
//   request:  "CNTS" u32 version, str build, str plugin, str namespaces, str cwd,
//             u32 nenv, nenv x str "K=V", str stdin
//   response: u32 status (0..255, or DECLINE), str stdout, str stderr

export const PROTO_VERSION = 1;
/** status telling the shim to run the standalone executable itself */
export const DECLINE = 0xffffffff;
export const DEFAULT_SOCKET = '/run/cnits/daemon.sock';
const MAGIC = 0x53544e43; // "CNTS" read as little-endian u32
const MAX_REQUEST = 80 << 20;

export interface Request {
  version: number;
  build: string;
  plugin: string;
  /** "net:dev:ino mnt:dev:ino user:dev:ino" of the shim */
  namespaces: string;
  cwd: string;
  env: Record<string, string>;
  stdin: Buffer;
}

export class ProtocolError extends Error {}

/**
 * Parses a complete request from `buf`; returns undefined while more bytes are
 * needed. Throws ProtocolError on bytes that can never become a request.
 */
export function parseRequest(buf: Buffer): Request | undefined {
  let off = 0;
  const u32 = (): number | undefined => {
    if (off + 4 > buf.length) return undefined;
    const v = buf.readUInt32LE(off);
    off += 4;
    return v;
  };
  const bytes = (): Buffer | undefined => {
    const n = u32();
    if (n === undefined) return undefined;
    if (n > MAX_REQUEST) throw new ProtocolError(`field of ${n} bytes`);
    if (off + n > buf.length) return undefined;
    const b = buf.subarray(off, off + n);
    off += n;
    return b;
  };
  const str = () => bytes()?.toString('utf8');

  const magic = u32();
  if (magic === undefined) return undefined;
  if (magic !== MAGIC) throw new ProtocolError('not a cnits-shim request');
  if (buf.length > MAX_REQUEST) throw new ProtocolError('request too large');
  const version = u32();
  if (version === undefined) return undefined;
  // a shim of another protocol version cannot be read further: the caller declines
  if (version !== PROTO_VERSION) return { version, build: '', plugin: '', namespaces: '', cwd: '', env: {}, stdin: Buffer.alloc(0) };
  const build = str(); if (build === undefined) return undefined;
  const plugin = str(); if (plugin === undefined) return undefined;
  const namespaces = str(); if (namespaces === undefined) return undefined;
  const cwd = str(); if (cwd === undefined) return undefined;
  const nenv = u32(); if (nenv === undefined) return undefined;
  const env: Record<string, string> = {};
  for (let i = 0; i < nenv; i++) {
    const kv = str();
    if (kv === undefined) return undefined;
    const eq = kv.indexOf('=');
    if (eq > 0 && !(kv.slice(0, eq) in env)) env[kv.slice(0, eq)] = kv.slice(eq + 1); // getenv: first wins
  }
  const stdin = bytes(); if (stdin === undefined) return undefined;
  return { version, build, plugin, namespaces, cwd, env, stdin: Buffer.from(stdin) };
}

/** Encodes a request (the shim's side; used by tests and the benchmark client). */
export function encodeRequest(r: Omit<Request, 'version'> & { version?: number }): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); parts.push(b); };
  const str = (s: string | Buffer) => { const b = typeof s === 'string' ? Buffer.from(s) : s; u32(b.length); parts.push(b); };
  u32(MAGIC); u32(r.version ?? PROTO_VERSION);
  str(r.build); str(r.plugin); str(r.namespaces); str(r.cwd);
  const env = Object.entries(r.env);
  u32(env.length);
  for (const [k, v] of env) str(`${k}=${v}`);
  str(r.stdin);
  return Buffer.concat(parts);
}

export interface Response {
  status: number;
  stdout: string;
  stderr: string;
}

export function encodeResponse(r: Response): Buffer {
  const out = Buffer.from(r.stdout);
  const err = Buffer.from(r.stderr);
  const b = Buffer.alloc(12 + out.length + err.length);
  b.writeUInt32LE(r.status >>> 0, 0);
  b.writeUInt32LE(out.length, 4);
  out.copy(b, 8);
  b.writeUInt32LE(err.length, 8 + out.length);
  err.copy(b, 12 + out.length);
  return b;
}

/** Parses a complete response (tests); undefined while incomplete. */
export function parseResponse(buf: Buffer): Response | undefined {
  if (buf.length < 8) return undefined;
  const status = buf.readUInt32LE(0);
  const n = buf.readUInt32LE(4);
  if (buf.length < 12 + n) return undefined;
  const m = buf.readUInt32LE(8 + n);
  if (buf.length < 12 + n + m) return undefined;
  return { status, stdout: buf.subarray(8, 8 + n).toString('utf8'), stderr: buf.subarray(12 + n, 12 + n + m).toString('utf8') };
}
