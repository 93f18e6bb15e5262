// CNI error codes (SPEC.md "Error" + libcni types.go) and the one error type every
// layer throws. Only the skel boundary turns it into JSON and an exit status.

export const Code = {
  Unknown: 0,
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnv: 4,
  IOFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  InvalidNetNS: 8,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  LimitedConnectivity: 51,
  Internal: 999,
} as const;

export type CodeValue = (typeof Code)[keyof typeof Code];

export class CniError extends Error {
  override readonly name = 'CniError';
  readonly code: number;
  readonly msg: string;
  readonly details: string;

  constructor(code: number, msg: string, details = '', options?: { cause?: unknown }) {
    super(details ? `${msg}: ${details}` : msg, options);
    this.code = code;
    this.msg = msg;
    this.details = details;
  }

  /** The reference's error object: no cniVersion, details omitted when empty. */
  toJSON(): { code: number; msg: string; details?: string } {
    return this.details ? { code: this.code, msg: this.msg, details: this.details } : { code: this.code, msg: this.msg };
  }
}

/** Wraps anything into a CniError without ever wrapping a CniError twice (skel's checkVersionAndCall). */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new CniError(Code.Internal, msg, '', { cause: err });
}

/** A plain plugin-level failure; the reference reports these as code 999. */
export function internal(msg: string, cause?: unknown): CniError {
  return new CniError(Code.Internal, msg, '', cause === undefined ? undefined : { cause });
}
