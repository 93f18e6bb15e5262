import { CniError } from '../../lib/cni/errors';

/** The CniError `fn` throws (anything else is rethrown; no throw fails the test). */
export function errorOf(fn: () => unknown): CniError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('expected an error');
}
