// firewall: a chained plugin that lets the container's addresses through the host's FORWARD
// chain (iptables: CNI-FORWARD and the admin chain CNI-ADMIN; or firewalld: the addresses as
// sources of a zone), and isolates bridges (ingressPolicy same-bridge / isolated) with the
// reference v1.9.1's chains CNI-ISOLATION-STAGE-1/2 — the same rules and comments.
import { lazyFuncs, type Plugin } from '../../lib/cni/plugin';

// the verbs' code is imported on the first call: VERSION, and a bun exec of another
// plugin, never initialize it
export const plugin: Plugin = { name: 'firewall', funcs: lazyFuncs(() => import('./verbs')), versions: ['0.4.0', '1.0.0', '1.1.0'] };
