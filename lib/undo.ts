// Undo as an explicit stack: every side effect of an ADD pushes its inverse;
// when the ADD fails the stack unwinds (newest first), so a failed ADD leaves
// no link, lease or rule behind. Not tied to any error variable (macvlan.go's
// shadowed `err` is what this avoids).
export class Undo {
  private steps: { what: string; fn: () => unknown }[] = [];

  push(what: string, fn: () => unknown): void {
    this.steps.push({ what, fn });
  }

  /** Runs every step, newest first; a failing step does not stop the others. Returns their errors. */
  async unwind(): Promise<string[]> {
    const errors: string[] = [];
    for (const { what, fn } of this.steps.reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(`undo ${what}: ${(err as Error).message}`);
      }
    }
    this.steps = [];
    return errors;
  }
}

/** Runs fn; if it throws, unwinds what it pushed (errors of the unwind go to `log`) and rethrows. */
export async function withUndo<T>(fn: (undo: Undo) => Promise<T>, log: (line: string) => void = () => undefined): Promise<T> {
  const undo = new Undo();
  try {
    return await fn(undo);
  } catch (err) {
    for (const line of await undo.unwind()) log(line);
    throw err;
  }
}
