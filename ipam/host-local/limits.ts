// Upper bounds on the lists of a host-local config, refused on ADD (and CHECK) with code 7
// naming the field. Each is far above any real network: dual stack is 2 range sets, a
// multi-prefix IPv6 pool a handful; each range set puts one more address on the container
// and, with the bridge's isGateway, one more on the bridge. They exist so that a runaway
// generated config fails in milliseconds with a clear error instead of keeping the plugin
// (and the runtime's ADD) busy for minutes. DEL, GC and STATUS do not apply them: a DEL must
// still clean up after a larger config some other plugin binary accepted, and their work is
// linear in the config.
export const limits = {
  /** range sets of one config, all sources together (runtimeConfig.ipRanges, ipam.subnet, ipam.ranges) */
  rangeSets: 256,
  /** ranges in one range set (a pool split around reserved addresses) */
  rangesPerSet: 1024,
  /** ipam.routes */
  routes: 1024,
  /** requested addresses, all sources together (CNI_ARGS IP, args.cni.ips, runtimeConfig.ips): at most one per range set is usable */
  requestedIPs: 256,
} as const;
