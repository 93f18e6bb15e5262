// firewall: a chained plugin that lets the container's addresses through the host's FORWARD
// chain (iptables: CNI-FORWARD and the admin chain CNI-ADMIN; or firewalld: the addresses as
// sources of a zone), and isolates bridges (ingressPolicy same-bridge / isolated) with the
// reference v1.9.1's chains CNI-ISOLATION-STAGE-1/2 — the same rules and comments.
import type { Plugin } from '../../lib/cni/plugin';
import { add } from './add';
import { check, del } from './del';

export const plugin: Plugin = { name: 'firewall', funcs: { add, del, check }, versions: ['0.4.0', '1.0.0', '1.1.0'] };
