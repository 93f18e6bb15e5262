// The 1.0.0/1.1.0 result family (cni pkg/types/100). Plugins build only this
// type; ./convert.ts turns it into the version the config asked for when printing.

export const currentVersion = '1.1.0';

export interface Interface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface IPConfig {
  /** index into interfaces; absent in IPAM results */
  interface?: number;
  /** host address with prefix, e.g. 10.88.0.5/24 */
  address: string;
  gateway?: string;
}

export interface Route {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface DNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface Result {
  cniVersion: string;
  interfaces?: Interface[];
  ips?: IPConfig[];
  routes?: Route[];
  dns?: DNS;
}
