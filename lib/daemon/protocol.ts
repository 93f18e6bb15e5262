// The shim <-> daemon wire format (lib/daemon/shim.c is the other side). Integers are
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
const EMPTY = Buffer.alloc(0);

export interface Request {
  version: number;
  build: string;
  plugin: string;
  /** "net:dev:ino mnt:dev:ino user:dev:ino" as the shim saw them: for the log only, never trusted */
  namespaces: string;
  cwd: string;
  /** a null-prototype object: names such as `constructor` or `__proto__` are plain entries */
  env: Record<string, string>;
  stdin: Buffer;
}

export class ProtocolError extends Error {}

/** An empty env that inherits nothing. */
export function emptyEnv(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

type Field = 'magic' | 'version' | 'build' | 'plugin' | 'namespaces' | 'cwd' | 'nenv' | 'env' | 'stdin';

/**
 * Frames requests from a byte stream in linear time: chunks are only kept until the next
 * field is complete, and each byte is copied at most once (into the field it belongs to).
 * push() returns the request once its last byte arrived; throws ProtocolError on bytes that
 * can never become one.
 */
export class RequestReader {
  private chunks: Buffer[] = [];
  /** chunks before this index are consumed */
  private head = 0;
  private have = 0;
  private total = 0;
  private field: Field = 'magic';
  /** a str field's length already read, waiting for its bytes */
  private strLen: number | undefined;
  private envLeft = 0;
  private readonly req: Request = { version: 0, build: '', plugin: '', namespaces: '', cwd: '', env: emptyEnv(), stdin: Buffer.alloc(0) };

  push(chunk: Buffer): Request | undefined {
    this.total += chunk.length;
    if (this.total > MAX_REQUEST + 16) throw new ProtocolError('request too large');
    if (chunk.length) { this.chunks.push(chunk); this.have += chunk.length; }
    for (;;) {
      const done = this.step();
      if (done === 'more') return undefined;
      if (done === 'request') return this.req;
    }
  }

  /** Consumes exactly n buffered bytes (the caller checked they are there). */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    this.have -= n;
    const first = this.chunks[this.head] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      this.consume(first, n);
    } else {
      out = Buffer.allocUnsafe(n);
      for (let off = 0; off < n;) {
        const c = this.chunks[this.head] as Buffer;
        const k = Math.min(c.length, n - off);
        c.copy(out, off, 0, k);
        off += k;
        this.consume(c, k);
      }
    }
    // consumed chunks are dropped in bulk: Array.shift() per chunk would be quadratic
    if (this.head > 1024 && this.head * 2 > this.chunks.length) { this.chunks = this.chunks.slice(this.head); this.head = 0; }
    return out;
  }

  private consume(c: Buffer, k: number): void {
    if (k === c.length) this.chunks[this.head++] = EMPTY; else this.chunks[this.head] = c.subarray(k);
  }

  private u32(): number | undefined {
    return this.have < 4 ? undefined : this.take(4).readUInt32LE(0);
  }

  private str(): Buffer | undefined {
    if (this.strLen === undefined) {
      const n = this.u32();
      if (n === undefined) return undefined;
      if (n > MAX_REQUEST) throw new ProtocolError(`field of ${n} bytes`);
      this.strLen = n;
    }
    if (this.have < this.strLen) return undefined;
    const b = this.take(this.strLen);
    this.strLen = undefined;
    return b;
  }

  /** Reads the current field if complete: 'next' (go on), 'more' (wait for bytes), 'request' (done). */
  private step(): 'next' | 'more' | 'request' {
    const r = this.req;
    switch (this.field) {
      case 'magic': {
        const m = this.u32(); if (m === undefined) return 'more';
        if (m !== MAGIC) throw new ProtocolError('not a cnits-shim request');
        this.field = 'version'; return 'next';
      }
      case 'version': {
        const v = this.u32(); if (v === undefined) return 'more';
        r.version = v;
        // a shim of another protocol version cannot be read further: the caller declines
        if (v !== PROTO_VERSION) return 'request';
        this.field = 'build'; return 'next';
      }
      case 'build': case 'plugin': case 'namespaces': case 'cwd': {
        const b = this.str(); if (b === undefined) return 'more';
        r[this.field] = b.toString('utf8');
        this.field = this.field === 'build' ? 'plugin' : this.field === 'plugin' ? 'namespaces' : this.field === 'namespaces' ? 'cwd' : 'nenv';
        return 'next';
      }
      case 'nenv': {
        const n = this.u32(); if (n === undefined) return 'more';
        this.envLeft = n;
        this.field = n ? 'env' : 'stdin'; return 'next';
      }
      case 'env': {
        const b = this.str(); if (b === undefined) return 'more';
        const kv = b.toString('utf8');
        const eq = kv.indexOf('=');
        const k = kv.slice(0, eq);
        if (eq > 0 && !Object.hasOwn(r.env, k)) r.env[k] = kv.slice(eq + 1); // getenv: first wins
        if (--this.envLeft === 0) this.field = 'stdin';
        return 'next';
      }
      case 'stdin': {
        const b = this.str(); if (b === undefined) return 'more';
        r.stdin = Buffer.from(b); // own copy: the chunk it may share memory with is Node's
        return 'request';
      }
    }
  }
}

/**
 * Parses a complete request from `buf`; returns undefined while more bytes are
 * needed. Throws ProtocolError on bytes that can never become a request.
 */
export function parseRequest(buf: Buffer): Request | undefined {
  return new RequestReader().push(buf);
}

/** Encodes a request (the shim's side; used by tests and the benchmark client). */
export function encodeRequest(r: Omit<Request, 'version'> & { version?: number }): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); parts.push(b); };
  const str = (s: string | Buffer) => { const b = typeof s === 'string' ? Buffer.from(s) : s; u32(b.length); parts.push(b); };
  u32(MAGIC); u32(r.version ?? PROTO_VERSION);
  str(r.build); str(r.plugin); str(r.namespaces); str(r.cwd);
  const env = Object.entries(r.env); // own entries only: a null-prototype env works too
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
