// The network config flannel keeps at <prefix>/config (pkg/subnet/config.go ParseConfig +
// CheckNetworkConfig, pkg/backend/vxlan parseVXLANConfig), with its defaults. Keys match
// case-insensitively as Go's encoding/json does. Every refusal names the field, so the
// agent can log one line naming key and field and change nothing. Pure.
import { containsIP4, formatNet4, mask4, type Net4, next4, parseIP4, parseNet4, size4 } from './net4';

export type BackendType = 'host-gw' | 'vxlan';

export interface NetworkConfig {
  network: Net4;
  subnetLen: number;
  /** first and last subnet addresses that may be leased */
  subnetMin: number;
  subnetMax: number;
  backend: BackendType;
  /** vxlan only */
  vni: number;
  /** vxlan UDP port; 0 = the kernel's default, 8472 */
  port: number;
  /** vxlan: MTU override from Backend.MTU; 0 = the interface's */
  mtu: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly field: string, why: string) { super(`field ${field}: ${why}`); }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value of `name` in `o`, matched as encoding/json does: exact first, else case-insensitive. */
function field(o: Obj, name: string): unknown {
  if (name in o) return o[name];
  const k = Object.keys(o).find((key) => key.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function uint(o: Obj, name: string, path: string, max: number): number | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new ConfigError(path, `must be an integer 0..${max}, got ${JSON.stringify(v)}`);
  return v;
}

function ip4(o: Obj, name: string): number | undefined {
  const v = field(o, name);
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' ? parseIP4(v) : undefined;
  if (n === undefined) throw new ConfigError(name, `not an IPv4 address: ${JSON.stringify(v)}`);
  return n;
}

/** Parses and checks the JSON text of <prefix>/config; throws ConfigError. */
export function parseNetworkConfig(text: string): NetworkConfig {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new ConfigError('(document)', `not JSON: ${(e as Error).message}`); }
  if (!isObj(raw)) throw new ConfigError('(document)', 'not a JSON object');
  if (field(raw, 'EnableIPv6') === true) throw new ConfigError('EnableIPv6', 'IPv6 networks are not supported by cnits node yet');
  if (field(raw, 'EnableIPv4') === false) throw new ConfigError('EnableIPv4', 'an IPv4 network is required');
  const netText = field(raw, 'Network');
  const network = typeof netText === 'string' ? parseNet4(netText, true) : undefined;
  if (!network) throw new ConfigError('Network', netText === undefined ? 'please define a correct Network parameter in the flannel config' : `not an IPv4 CIDR: ${JSON.stringify(netText)}`);

  let subnetLen = uint(raw, 'SubnetLen', 'SubnetLen', 32) ?? 0;
  if (subnetLen > 0) {
    if (subnetLen > 30) throw new ConfigError('SubnetLen', 'SubnetLen must be less than /31');
    if (subnetLen < network.len + 2) throw new ConfigError('SubnetLen', 'network must be able to accommodate at least four subnets');
  } else if (network.len > 28) {
    throw new ConfigError('Network', 'network is too small. Minimum useful network prefix is /28');
  } else {
    subnetLen = network.len <= 22 ? 24 : network.len + 2;
  }
  const step = size4({ ip: 0, len: subnetLen });
  const mask = mask4(subnetLen);
  // the first subnet is skipped: its .0 would be the network address of Network
  const subnetMin = ip4(raw, 'SubnetMin') ?? network.ip + step;
  const subnetMax = ip4(raw, 'SubnetMax') ?? (next4(network).ip - step) >>> 0;
  for (const [name, v] of [['SubnetMin', subnetMin], ['SubnetMax', subnetMax]] as const) {
    if (!containsIP4(network, v)) throw new ConfigError(name, `${name} is not in the range of the Network ${formatNet4(network)}`);
    if (((v & mask) >>> 0) !== v) throw new ConfigError(name, `${name} is not on a SubnetLen boundary`);
  }

  const be = field(raw, 'Backend');
  if (be !== undefined && !isObj(be)) throw new ConfigError('Backend', 'not a JSON object');
  // flannel's code defaults a missing Backend to udp, which cnits node does not have
  const type = be === undefined ? 'udp' : field(be, 'Type');
  if (type !== 'host-gw' && type !== 'vxlan') {
    throw new ConfigError('Backend.Type', `${JSON.stringify(type ?? null)} is not supported (cnits node has host-gw and vxlan)`);
  }
  const b = be ?? {};
  if (type === 'vxlan') {
    for (const name of ['DirectRouting', 'GBP', 'Learning']) {
      if (field(b, name) === true) throw new ConfigError(`Backend.${name}`, 'not supported by cnits node');
    }
  }
  const vni = uint(b, 'VNI', 'Backend.VNI', 0xff_ffff) ?? 1;
  return {
    network, subnetLen, subnetMin, subnetMax, backend: type,
    vni: type === 'vxlan' ? vni : 0,
    port: uint(b, 'Port', 'Backend.Port', 65535) ?? 0,
    mtu: uint(b, 'MTU', 'Backend.MTU', 65535) ?? 0,
  };
}
