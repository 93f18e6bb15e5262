// The one error type of lib/netlink: a kernel (or transport) errno for one operation.
import { errnoInfo } from './errno';

export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  /** errno name as glibc and Go spell it: 'EEXIST', 'ENODEV', 'EOPNOTSUPP' */
  readonly code: string;
  /** negative, as in Node's SystemError (-17) */
  readonly errno: number;
  /** errno text as Go's syscall.Errno prints it ("file exists"): what reference messages embed */
  readonly text: string;
  /** what was being done, e.g. 'add address 10.1.2.3/24 to link 4' */
  readonly op: string;
  /** the kernel's extended ACK message, when it sent one */
  readonly extack: string | undefined;
  /** offset in the request of the attribute the kernel rejected */
  readonly badAttrOffset: number | undefined;
  /** path of the netns the handle works in; undefined for the current one */
  readonly netns: string | undefined;

  constructor(errno: number, op: string, extra: { extack?: string | undefined; badAttrOffset?: number | undefined; netns?: string | undefined; cause?: unknown } = {}) {
    const [code, text] = errnoInfo(errno);
    const where = extra.netns === undefined ? '' : ` (in ${extra.netns})`;
    super(`${op}${where}: ${text}${extra.extack ? `: ${extra.extack}` : ''}`, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.errno = -Math.abs(errno);
    this.text = text;
    this.op = op;
    this.extack = extra.extack;
    this.badAttrOffset = extra.badAttrOffset;
    this.netns = extra.netns;
  }
}

/** `err` is a NetlinkError (or addon error) with this errno name. */
export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === code;
}
