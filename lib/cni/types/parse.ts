// Decoding of result JSON (prevResult, a delegated IPAM plugin's stdout) into the typed
// result of its family, with Go encoding/json semantics where they matter: keys match
// case-insensitively (the last matching key wins), null means "absent", wrong JSON types
// and unparsable addresses are errors. Errors are CniError code 6 naming the field.
import { formatCIDR, formatIP, parseCIDR, parseIP } from '../../ip';
import { Code, CniError } from '../errors';
import type { Result020, IPConfig020 } from './020';
import type { Result040, Interface040, IPConfig040 } from './040';
import type { DNS, Interface, IPConfig, Result, Route } from './current';
import type { Family } from './version';

type Obj = Record<string, unknown>;

function fail(path: string, why: string): never {
  throw new CniError(Code.DecodingFailure, `decoding result: ${path}: ${why}`);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Go matches struct fields case-insensitively; with several matching keys the last one wins. */
function get(o: Obj, name: string): unknown {
  let found: unknown;
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) found = o[k];
  return found === null ? undefined : found;
}

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, `expected object, got ${kind(v)}`);
  return v as Obj;
}

function str(o: Obj, name: string, path: string): string | undefined {
  const v = get(o, name);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(`${path}${name}`, `expected string, got ${kind(v)}`);
  return v;
}

function int(o: Obj, name: string, path: string): number | undefined {
  const v = get(o, name);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`${path}${name}`, `expected integer, got ${kind(v)} ${JSON.stringify(v)}`);
  return v;
}

function list<T>(o: Obj, name: string, path: string, each: (v: unknown, p: string) => T): T[] | undefined {
  const v = get(o, name);
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) fail(`${path}${name}`, `expected array, got ${kind(v)}`);
  const out = v.map((x, i) => each(x, `${path}${name}[${i}]`));
  return out.length ? out : undefined;
}

function strings(o: Obj, name: string, path: string): string[] | undefined {
  return list(o, name, path, (x, p) => (typeof x === 'string' ? x : fail(p, `expected string, got ${kind(x)}`)));
}

function cidr(o: Obj, name: string, path: string): string {
  const s = str(o, name, path);
  if (s === undefined) fail(`${path}${name}`, 'missing address');
  const c = parseCIDR(s);
  if (!c) fail(`${path}${name}`, `invalid CIDR address: ${s}`);
  return formatCIDR(c);
}

/** net.IP: "" means no address (omitted), anything else must parse. */
function ip(o: Obj, name: string, path: string): string | undefined {
  const s = str(o, name, path);
  if (!s) return undefined;
  const p = parseIP(s);
  if (!p) fail(`${path}${name}`, `invalid IP address: ${s}`);
  return formatIP(p);
}

function set<T extends object, K extends keyof T>(target: T, key: K, v: T[K] | undefined): void {
  if (v !== undefined && v !== '') target[key] = v;
}

function route(v: unknown, path: string): Route {
  const o = obj(v, path);
  const p = `${path}.`;
  const r: Route = { dst: cidr(o, 'dst', p) };
  set(r, 'gw', ip(o, 'gw', p));
  set(r, 'mtu', int(o, 'mtu', p) || undefined);
  set(r, 'advmss', int(o, 'advmss', p) || undefined);
  set(r, 'priority', int(o, 'priority', p) || undefined);
  set(r, 'table', int(o, 'table', p));
  set(r, 'scope', int(o, 'scope', p));
  return r;
}

function dns(top: Obj): DNS | undefined {
  const v = get(top, 'dns');
  if (v === undefined) return undefined;
  const o = obj(v, 'dns');
  const d: DNS = {};
  set(d, 'nameservers', strings(o, 'nameservers', 'dns.'));
  set(d, 'domain', str(o, 'domain', 'dns.'));
  set(d, 'search', strings(o, 'search', 'dns.'));
  set(d, 'options', strings(o, 'options', 'dns.'));
  return Object.keys(d).length ? d : undefined;
}

function ipConfig020(top: Obj, name: string): IPConfig020 | undefined {
  const v = get(top, name);
  if (v === undefined) return undefined;
  const o = obj(v, name);
  const c: IPConfig020 = { ip: cidr(o, 'ip', `${name}.`) };
  set(c, 'gateway', ip(o, 'gateway', `${name}.`));
  set(c, 'routes', list(o, 'routes', `${name}.`, route));
  return c;
}

function interfaceOf(v: unknown, path: string): Interface {
  const o = obj(v, path);
  const p = `${path}.`;
  const i: Interface = { name: str(o, 'name', p) ?? '' };
  set(i, 'mac', str(o, 'mac', p));
  set(i, 'mtu', int(o, 'mtu', p) || undefined);
  set(i, 'sandbox', str(o, 'sandbox', p));
  set(i, 'socketPath', str(o, 'socketPath', p));
  set(i, 'pciID', str(o, 'pciID', p));
  return i;
}

function ipConfigOf(v: unknown, path: string): IPConfig & { version?: string } {
  const o = obj(v, path);
  const p = `${path}.`;
  const c: IPConfig & { version?: string } = { address: cidr(o, 'address', p) };
  set(c, 'interface', int(o, 'interface', p));
  set(c, 'gateway', ip(o, 'gateway', p));
  set(c, 'version', str(o, 'version', p));
  return c;
}

/**
 * Decodes a result object of the given family. cniVersion is taken as given by the caller
 * (already resolved, fallback applied); unknown keys are ignored like Go does.
 */
export function decodeResult(json: unknown, family: Family, cniVersion: string): Result020 | Result040 | Result {
  const top = obj(json, 'result');
  if (family === 'v020') {
    const r: Result020 = { cniVersion };
    set(r, 'ip4', ipConfig020(top, 'ip4'));
    set(r, 'ip6', ipConfig020(top, 'ip6'));
    set(r, 'dns', dns(top));
    return r;
  }
  const interfaces = list(top, 'interfaces', '', interfaceOf);
  const ips = list(top, 'ips', '', ipConfigOf);
  const routes = list(top, 'routes', '', route);
  if (family === 'v040') {
    const r: Result040 = { cniVersion };
    set(r, 'interfaces', interfaces?.map(({ name, mac, sandbox }) => {
      const i: Interface040 = { name };
      set(i, 'mac', mac);
      set(i, 'sandbox', sandbox);
      return i;
    }));
    set(r, 'ips', ips?.map(({ version, ...c }): IPConfig040 => ({ version: version ?? '', ...c })));
    set(r, 'routes', routes);
    set(r, 'dns', dns(top));
    return r;
  }
  const r: Result = { cniVersion };
  set(r, 'interfaces', interfaces);
  set(r, 'ips', ips?.map(({ version: _ignored, ...c }) => c));
  set(r, 'routes', routes);
  set(r, 'dns', dns(top));
  return r;
}
