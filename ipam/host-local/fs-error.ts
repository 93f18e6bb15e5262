// Node fs errors reworded as Go's os.PathError ("open /x: permission denied"), code 999.
import { internal } from '../../lib/cni/errors';

export function goFsError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e.code !== 'string' || !e.syscall) return err;
  const desc = /^[A-Z0-9_]+: (.*?), /.exec(e.message)?.[1] ?? e.code;
  return internal(e.path ? `${e.syscall} ${e.path}: ${desc}` : `${e.syscall}: ${desc}`, err);
}
