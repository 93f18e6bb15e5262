// Whether the daemon takes a request, and which attachment it belongs to. Only the peer
// verdict (lib/daemon/peer.ts, from the kernel) decides trust; build and plugin name come
// from the shim but only ever make the daemon decline, never serve.
import type { Request } from './protocol';
import { PROTO_VERSION } from './protocol';

/** Why the daemon must not serve `req` from a peer judged `refused` (the shim then runs standalone), or undefined. */
export function declineReason(req: Request, refused: string | undefined, plugins: readonly string[], build: string): string | undefined {
  if (req.version !== PROTO_VERSION) return `shim protocol ${req.version}, daemon speaks ${PROTO_VERSION}`;
  if (refused) return refused;
  // a shim of another build may send fields this daemon reads differently
  if (req.build !== build) return `shim of build ${req.build}, daemon of build ${build}`;
  if (!plugins.includes(req.plugin)) return `unknown plugin ${JSON.stringify(req.plugin)}`;
  return undefined;
}

const keyed = new Set(['ADD', 'DEL', 'CHECK']);

/**
 * CNI_CONTAINERID, CNI_IFNAME and the network name: what a runtime names one attachment by.
 * Undefined for verbs that are not about one attachment (VERSION, STATUS, GC).
 */
export function attachmentKey(env: Record<string, string>, stdin: Buffer): string | undefined {
  if (!keyed.has(env['CNI_COMMAND'] ?? '')) return undefined;
  let name = '';
  try {
    const conf: unknown = JSON.parse(stdin.toString('utf8'));
    if (conf && typeof conf === 'object' && typeof (conf as { name?: unknown }).name === 'string') name = (conf as { name: string }).name;
  } catch { /* the plugin reports the bad config; the key still orders it */ }
  return JSON.stringify([env['CNI_CONTAINERID'] ?? '', env['CNI_IFNAME'] ?? '', name]);
}

/** "bridge ADD ctr eth0": a request as the log names it (what the shim said; diagnosis only). */
export function describe(req: Pick<Request, 'plugin' | 'env'>): string {
  const e = req.env;
  return `${req.plugin || '?'} ${e['CNI_COMMAND'] || '-'} ${e['CNI_CONTAINERID'] || '-'} ${e['CNI_IFNAME'] || '-'}`;
}
