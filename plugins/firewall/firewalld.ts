// The firewalld backend over D-Bus with busctl (systemd's client; no D-Bus library on the
// exec path): each address becomes a source of the zone. Whether firewalld runs is asked
// only when the system bus socket exists, so a host without D-Bus pays no fork.
import { existsSync } from 'node:fs';
import { internal } from '../../lib/cni/errors';
import { defaultRunner, hasBinary, type Runner } from '../../lib/masq/run';

const NAME = 'org.fedoraproject.FirewallD1';
const PATH = '/org/fedoraproject/FirewallD1';
const ZONE = `${NAME}.zone`;

function busSocket(): string {
  const addr = process.env['DBUS_SYSTEM_BUS_ADDRESS'];
  const m = addr ? /unix:path=([^,;]+)/.exec(addr) : null;
  return m?.[1] ?? '/run/dbus/system_bus_socket';
}

/** isFirewalldRunning: the bus answers GetNameOwner for firewalld. */
export async function firewalldRunning(runner: Runner = defaultRunner): Promise<boolean> {
  if (!existsSync(busSocket()) || !hasBinary('busctl')) return false;
  const r = await runner('busctl', ['--system', 'call', 'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'GetNameOwner', 's', NAME]);
  return r.code === 0;
}

/** The explicit backend when firewalld cannot be reached: a CNI error that says so. */
export async function requireFirewalld(runner: Runner = defaultRunner): Promise<void> {
  if (!(await firewalldRunning(runner))) {
    throw internal(`firewalld backend unavailable: firewalld (${NAME}) does not answer on the system D-Bus (${busSocket()})`);
  }
}

const call = (runner: Runner, method: string, zone: string, source: string) =>
  runner('busctl', ['--system', 'call', NAME, PATH, ZONE, method, 'ss', zone, source]);

export async function addSources(zone: string, hosts: readonly string[], runner: Runner = defaultRunner): Promise<void> {
  for (const h of hosts) {
    const r = await call(runner, 'addSource', zone, h);
    if (r.code !== 0 && !r.stderr.includes('ZONE_ALREADY_SET')) {
      throw internal(`failed to add the address ${h} to ${zone} zone: ${r.stderr.trim()}`);
    }
  }
}

/** Best effort, as the reference (which ignores every answer). */
export async function removeSources(zone: string, hosts: readonly string[], runner: Runner = defaultRunner): Promise<void> {
  await Promise.all(hosts.map((h) => call(runner, 'removeSource', zone, h)));
}

export async function checkSources(zone: string, hosts: readonly string[], runner: Runner = defaultRunner): Promise<void> {
  for (const h of hosts) {
    const r = await call(runner, 'querySource', zone, h);
    if (r.code !== 0 || r.stdout.trim() !== 'b true') throw internal(`failed to find the address ${h} in ${zone} zone`);
  }
}
