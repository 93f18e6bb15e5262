// Starts async work now and reports its outcome later, without an unhandled
// rejection in between (Node 20 crashes on those): used to overlap netfilter
// child processes with kernel work that blocks (a veth delete, IPAM).
export interface Pending {
  /** resolves when the work is done; rethrows its error */
  done(): Promise<void>;
}

export function start(work: Promise<unknown> | undefined): Pending {
  const outcome = (work ?? Promise.resolve()).then(() => undefined, (err: unknown) => ({ err }));
  return {
    async done() {
      const r = await outcome;
      if (r) throw r.err;
    },
  };
}
