// lib/masq against the real kernel, always inside fresh scratch network namespaces (the host's
// rules are never touched). Expected objects are written from the reference's Go source and,
// where /usr/lib/cni/bridge (Debian's v1.1.1: iptables masquerade + macspoofchk) exists,
// compared with what the reference itself creates; each side tears down the other's objects.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkIPMasq, checkSpoofCheck, defaultBackend, gcIPMasq, setupIPMasq, setupSpoofCheck, teardownIPMasq, teardownSpoofCheck } from '../../lib/masq';
import { checkIPTables, setupIPTables, teardownIPTables } from '../../lib/masq/iptables';
import { checkNFTables, setupNFTables } from '../../lib/masq/nftables';
import { countingRunner, hasBinary, netnsRunner, type Runner } from '../../lib/masq/run';

const run = promisify(execFile);
const canRun = process.getuid?.() === 0 && ['ip', 'iptables-save', 'ip6tables-save', 'nft'].every(hasBinary);
const refBridge = '/usr/lib/cni/bridge';

let spaces: string[] = [];
async function newNetns(tag = ''): Promise<string> {
  const ns = `cnitsmq-${tag}${Math.random().toString(16).slice(2, 10)}`;
  await run('ip', ['netns', 'add', ns]);
  spaces.push(ns);
  return ns;
}
afterEach(async () => {
  for (const ns of spaces) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  spaces = [];
});

async function inNs(ns: string, ...cmd: string[]): Promise<string> {
  return (await run('ip', ['netns', 'exec', ns, ...cmd])).stdout;
}
type Mode = 'nft' | 'legacy';
const hasLegacy = hasBinary('iptables-legacy-save') && hasBinary('ip6tables-legacy-restore') && existsSync('/usr/sbin/xtables-legacy-multi');
const modes: Mode[] = hasLegacy ? ['nft', 'legacy'] : ['nft'];
/** iptables-save -> iptables-legacy-save etc. in legacy mode. */
const bin = (name: string, mode: Mode): string => (mode === 'legacy' ? name.replace(/^(ip6?tables)/, '$1-legacy') : name);
const modeRunner = (ns: string, mode: Mode): Runner => {
  const base = netnsRunner(ns);
  return (file, args, input) => base(bin(file, mode), args, input);
};

/** `:chain` declarations of user chains and `-A` rules of the nat table. */
async function nat(ns: string, family: 4 | 6, mode: Mode = 'nft'): Promise<string[]> {
  const out = await inNs(ns, bin(family === 4 ? 'iptables-save' : 'ip6tables-save', mode), '-t', 'nat');
  return out.split('\n').filter((l) => l.startsWith('-A ') || (l.startsWith(':CNI-'))).map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
}
async function nftTable(ns: string, family: string, table: string): Promise<string> {
  return inNs(ns, 'nft', 'list', 'table', family, table).catch(() => '');
}

/** `nft -j list table` without handles and with zeroed counters: the kernel objects. */
async function nftObjects(ns: string, family: string, table: string): Promise<unknown> {
  const text = await inNs(ns, 'nft', '-j', 'list', 'table', family, table).catch(() => '{"nftables":[]}');
  return JSON.parse(text, (key: string, value: unknown) => {
    if (key === 'handle' || key === 'metainfo') return undefined;
    if (key === 'counter') return 'counter';
    return value;
  }) as unknown;
}

const C1 = 'CNI-4b6424c6e351a1a3a86349d1'; // mqnet + ctr1 (printf %s mqnetctr1 | sha512sum)
const C2 = 'CNI-79619eba0252aa31da66424f'; // mqnet + ctr2
const cm = (cid: string): string => `-m comment --comment "name: \\"mqnet\\" id: \\"${cid}\\""`;
const v4Rules = (chain: string, cid: string, ip: string, net: string): string[] => [
  `-A POSTROUTING -s ${ip}/32 ${cm(cid)} -j ${chain}`,
  `-A ${chain} -d ${net} ${cm(cid)} -j ACCEPT`,
  `-A ${chain} ! -d 224.0.0.0/4 ${cm(cid)} -j MASQUERADE`,
];
const v6Rules = (chain: string, cid: string, ip: string, net: string): string[] => [
  `-A POSTROUTING -s ${ip}/128 ${cm(cid)} -j ${chain}`,
  `-A ${chain} -d ${net} ${cm(cid)} -j ACCEPT`,
  `-A ${chain} ! -d ff00::/8 ${cm(cid)} -j MASQUERADE`,
];
const sorted = (a: string[]): string[] => [...a].sort();
const forks = (calls: string[][]): string[] => calls.map((c) => c[0] ?? '');

describe.skipIf(!canRun).each(modes)('iptables masquerade (%s)', (mode) => {
  let ns: string;
  beforeEach(async () => { ns = await newNetns(); });

  it('creates the reference rules in 1 fork per family, once: a repeated ADD reads and writes nothing', async () => {
    const { runner, calls } = countingRunner(modeRunner(ns, mode));
    const ips = ['10.99.0.2/24', 'fd99::2/64'];
    await setupIPTables('mqnet', 'ctr1', ips, { runner });
    expect(sorted(forks(calls))).toEqual(['ip6tables-restore', 'iptables-restore']); // names before mapping
    const want4 = [`:${C1} -`, ...v4Rules(C1, 'ctr1', '10.99.0.2', '10.99.0.0/24')];
    const want6 = [`:${C1} -`, ...v6Rules(C1, 'ctr1', 'fd99::2', 'fd99::/64')];
    expect(sorted(await nat(ns, 4, mode))).toEqual(sorted(want4));
    expect(sorted(await nat(ns, 6, mode))).toEqual(sorted(want6));
    calls.length = 0;
    await setupIPTables('mqnet', 'ctr1', ips, { runner });
    // the optimistic write is refused as a whole (-N of an existing chain); the read finds nothing to write
    expect(sorted(forks(calls))).toEqual(['ip6tables-restore', 'ip6tables-save', 'iptables-restore', 'iptables-save']);
    expect(sorted(await nat(ns, 4, mode))).toEqual(sorted(want4));
    calls.length = 0;
    await checkIPTables('mqnet', 'ctr1', ips, { runner });
    expect(calls).toHaveLength(2);
  });

  it('keeps AppendUnique order for two addresses of one family and adds only what is missing', async () => {
    const runner = modeRunner(ns, mode);
    await setupIPTables('mqnet', 'ctr1', ['10.99.0.2/24', '10.98.0.2/16'], { runner });
    const chainRules = (await nat(ns, 4, mode)).filter((l) => l.startsWith(`-A ${C1}`)).map((l) => l.split(' -m ')[0]);
    expect(chainRules).toEqual([`-A ${C1} -d 10.99.0.0/24`, `-A ${C1} ! -d 224.0.0.0/4`, `-A ${C1} -d 10.98.0.0/16`]);
    await inNs(ns, bin('iptables', mode), '-t', 'nat', '-D', C1, '!', '-d', '224.0.0.0/4', '-j', 'MASQUERADE', '-m', 'comment', '--comment', 'name: "mqnet" id: "ctr1"');
    await expect(checkIPTables('mqnet', 'ctr1', ['10.99.0.2/24'], { runner })).rejects.toThrow(/MASQUERADE/);
    await setupIPTables('mqnet', 'ctr1', ['10.99.0.2/24', '10.98.0.2/16'], { runner });
    await checkIPTables('mqnet', 'ctr1', ['10.99.0.2/24', '10.98.0.2/16'], { runner });
    expect((await nat(ns, 4, mode)).filter((l) => l.includes('MASQUERADE'))).toHaveLength(1);
  });

  it('tears down every jump form and the chain; absent things are fine', async () => {
    const { runner, calls } = countingRunner(modeRunner(ns, mode));
    await setupIPTables('mqnet', 'ctr1', ['10.99.0.2/24', 'fd99::2/64'], { runner });
    await setupIPTables('mqnet', 'ctr2', ['10.99.0.3/24'], { runner });
    // the legacy `-s <ip>/<prefix>` jump of older plugins
    await inNs(ns, bin('iptables', mode), '-t', 'nat', '-A', 'POSTROUTING', '-s', '10.99.0.2/24', '-j', C1, '-m', 'comment', '--comment', 'name: "mqnet" id: "ctr1"');
    calls.length = 0;
    // the one-fork write is refused (-X of a chain the legacy jump still uses): read, then write
    expect(await teardownIPTables('mqnet', 'ctr1', ['10.99.0.2/24'], { runner })).toBe(true);
    expect(sorted(forks(calls))).toEqual(['iptables-restore', 'iptables-restore', 'iptables-save']);
    expect(await nat(ns, 4, mode)).toEqual(expect.arrayContaining(v4Rules(C2, 'ctr2', '10.99.0.3', '10.99.0.0/24')));
    expect((await nat(ns, 4, mode)).some((l) => l.includes(C1))).toBe(false);
    expect((await nat(ns, 6, mode)).some((l) => l.includes(C1))).toBe(true); // only the families of the IPs given
    calls.length = 0;
    expect(await teardownIPTables('mqnet', 'ctr1', [], { runner })).toBe(true); // no IPs: both families
    expect(await nat(ns, 6, mode)).toEqual([]);
    calls.length = 0;
    expect(await teardownIPTables('mqnet', 'ctr1', [], { runner })).toBe(false);
    expect(sorted(forks(calls))).toEqual(['ip6tables-save', 'iptables-save']);
  });

  it('tears down what ADD made in 1 fork per family; again: a refused write and a read, nothing found', async () => {
    const { runner, calls } = countingRunner(modeRunner(ns, mode));
    await setupIPTables('mqnet', 'ctr1', ['10.99.0.2/24', 'fd99::2/64'], { runner });
    await setupIPTables('mqnet', 'ctr2', ['10.99.0.3/24'], { runner });
    calls.length = 0;
    expect(await teardownIPTables('mqnet', 'ctr1', ['10.99.0.2/24', 'fd99::2/64'], { runner })).toBe(true);
    expect(sorted(forks(calls))).toEqual(['ip6tables-restore', 'iptables-restore']);
    expect(sorted(await nat(ns, 4, mode))).toEqual(sorted([`:${C2} -`, ...v4Rules(C2, 'ctr2', '10.99.0.3', '10.99.0.0/24')]));
    expect(await nat(ns, 6, mode)).toEqual([]);
    calls.length = 0;
    expect(await teardownIPTables('mqnet', 'ctr1', ['10.99.0.2/24', 'fd99::2/64'], { runner })).toBe(false);
    expect(sorted(forks(calls))).toEqual(['ip6tables-restore', 'ip6tables-save', 'iptables-restore', 'iptables-save']);
    expect(await teardownIPTables('mqnet', 'ctr1', ['10.99.0.2/24'], { runner, optimistic: false })).toBe(false);
  });
});

describe.skipIf(!canRun)('nftables masquerade', () => {
  let ns: string;
  beforeEach(async () => { ns = await newNetns(); });
  const comment1 = '459ad33c48fd578c-7883a6f9ce71eedb, net: mqnet, if: eth0, id: ctr1';
  const comment2 = '459ad33c48fd578c-a09553539d4cc24c, net: mqnet, if: eth0, id: ctr2';
  const table = (rules: string[]): string => [
    'table inet cni_plugins_masquerade {',
    '\tcomment "Masquerading for plugins from github.com/containernetworking/plugins"',
    '\tchain masq_checks {',
    '\t\tcomment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet"',
    ...rules.map((r) => `\t\t${r}`),
    '\t}',
    '',
    '\tchain postrouting {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    '\t\tip daddr 224.0.0.0/4 return',
    '\t\tip6 daddr ff00::/8 return',
    '\t\tgoto masq_checks',
    '\t}',
    '}',
    '',
  ].join('\n');

  it('creates the reference table in 2 forks, replaces stale rules, tears down by comment', async () => {
    const { runner, calls } = countingRunner(netnsRunner(ns));
    const r1 = `ip saddr 10.99.0.2 ip daddr != 10.99.0.0/24 masquerade comment "${comment1}"`;
    const r1v6 = `ip6 saddr fd99::2 ip6 daddr != fd99::/64 masquerade comment "${comment1}"`;
    const r2 = `ip saddr 10.99.0.3 ip daddr != 10.99.0.0/24 masquerade comment "${comment2}"`;
    await setupNFTables('mqnet', 'eth0', 'ctr1', ['10.99.0.2/24', 'fd99::2/64'], { runner });
    expect(forks(calls)).toEqual(['nft', 'nft']);
    await setupNFTables('mqnet', 'eth0', 'ctr2', ['10.99.0.3/24'], { runner });
    await setupNFTables('mqnet', 'eth0', 'ctr1', ['10.99.0.2/24', 'fd99::2/64'], { runner }); // again: no duplicates
    expect(await nftTable(ns, 'inet', 'cni_plugins_masquerade')).toBe(table([r2, r1, r1v6]));
    await checkNFTables('mqnet', 'eth0', 'ctr1', ['10.99.0.2/24', 'fd99::2/64'], { runner });
    await expect(checkNFTables('mqnet', 'eth1', 'ctr1', ['10.99.0.2/24'], { runner })).rejects.toThrow(/rule not found/);
    calls.length = 0;
    await teardownIPMasq(['10.99.0.2/24', 'fd99::2/64'], 'mqnet', 'eth0', 'ctr1', { runner, configured: 'nftables' });
    // iptables: one read per family, nothing found; nft: read + delete
    expect(sorted(forks(calls))).toEqual(['ip6tables-save', 'iptables-save', 'nft', 'nft']);
    expect(await nftTable(ns, 'inet', 'cni_plugins_masquerade')).toBe(table([r2]));
    calls.length = 0;
    await teardownIPMasq(['10.99.0.2/24'], 'mqnet', 'eth0', 'ctr1', { runner, configured: 'nftables' });
    expect(sorted(forks(calls))).toEqual(['iptables-save', 'nft']);
    calls.length = 0;
    // configured for iptables (or by default), the iptables teardown first tries its one-fork write
    await teardownIPMasq(['10.99.0.2/24'], 'mqnet', 'eth0', 'ctr1', { runner });
    expect(sorted(forks(calls))).toEqual(['iptables-restore', 'iptables-save', 'nft']);
  });

  it('GC keeps valid attachments and removes the rest, in both backends', async () => {
    const runner = netnsRunner(ns);
    await setupIPMasq('nftables', ['10.99.0.2/24'], 'mqnet', 'eth0', 'ctr1', { runner });
    await setupIPMasq('nftables', ['10.99.0.3/24'], 'mqnet', 'eth0', 'ctr2', { runner });
    await setupIPMasq('nftables', ['10.50.0.3/24'], 'othernet', 'eth0', 'ctr3', { runner });
    await setupIPMasq('iptables', ['10.99.0.2/24', 'fd99::2/64'], 'mqnet', 'eth0', 'ctr1', { runner });
    await setupIPMasq('iptables', ['10.99.0.3/24'], 'mqnet', 'eth0', 'ctr2', { runner });
    await setupIPMasq('iptables', ['10.50.0.3/24'], 'othernet', 'eth0', 'ctr3', { runner });
    // a chain of another plugin with a look-alike comment is not ours
    await inNs(ns, 'iptables', '-t', 'nat', '-N', 'CNI-DN-4b6424c6e351a1a3a8634');
    await inNs(ns, 'iptables', '-t', 'nat', '-A', 'CNI-DN-4b6424c6e351a1a3a8634', '-j', 'RETURN', '-m', 'comment', '--comment', 'dnat name: "mqnet" id: "ctr1"');
    const { runner: counted, calls } = countingRunner(runner);
    const removed = await gcIPMasq('mqnet', [{ containerID: 'ctr2', ifname: 'eth0' }], { runner: counted });
    expect(removed).toHaveLength(3);
    expect(sorted(forks(calls))).toEqual(['ip6tables-restore', 'ip6tables-save', 'iptables-restore', 'iptables-save', 'nft', 'nft']);
    const v4 = await nat(ns, 4);
    expect(v4.some((l) => l.includes(C1))).toBe(false);
    expect(v4).toEqual(expect.arrayContaining([...v4Rules(C2, 'ctr2', '10.99.0.3', '10.99.0.0/24'), ':CNI-DN-4b6424c6e351a1a3a8634 -']));
    expect(v4.filter((l) => l.includes('othernet'))).toHaveLength(3);
    expect(await nat(ns, 6)).toEqual([]);
    const t = await nftTable(ns, 'inet', 'cni_plugins_masquerade');
    expect(t).not.toContain('id: ctr1');
    expect(t).toContain('id: ctr2');
    expect(t).toContain('id: ctr3');
    expect(await gcIPMasq('mqnet', [{ containerID: 'ctr2', ifname: 'eth0' }], { runner })).toEqual([]);
  });

  it('chooses the backend like the reference and rejects unknown ones', async () => {
    expect(defaultBackend({ hasBinary: () => true })).toBe('iptables');
    expect(defaultBackend({ hasBinary: (n) => n === 'nft' })).toBe('nftables');
    expect(defaultBackend({ hasBinary: () => false })).toBe('iptables');
    await expect(setupIPMasq('bpf', ['10.0.0.2/24'], 'n', 'eth0', 'c')).rejects.toThrow('unknown ipmasq backend "bpf"');
    const runner = netnsRunner(ns);
    await setupIPMasq(undefined, ['10.99.0.2/24'], 'mqnet', 'eth0', 'ctr1', { runner, hasBinary: (n) => n === 'nft' });
    await checkIPMasq(undefined, ['10.99.0.2/24'], 'mqnet', 'eth0', 'ctr1', { runner, hasBinary: (n) => n === 'nft' });
    expect(await nat(ns, 4)).toEqual([]);
    // an iptables that is installed but cannot work: fall back to nftables, as the reference's probe would
    const broken: Runner = (file, args, input) =>
      file.startsWith('iptables') ? Promise.resolve({ stdout: '', stderr: 'iptables: no kernel support', code: 3 }) : runner(file, args, input);
    await setupIPMasq(undefined, ['10.99.0.3/24'], 'mqnet', 'eth0', 'ctr2', { runner: broken, hasBinary: () => true });
    await checkIPMasq(undefined, ['10.99.0.3/24'], 'mqnet', 'eth0', 'ctr2', { runner: broken, hasBinary: () => true });
    await expect(setupIPMasq('iptables', ['10.99.0.3/24'], 'mqnet', 'eth0', 'ctr2', { runner: broken })).rejects.toThrow('no kernel support');
    await teardownIPMasq(['10.99.0.3/24'], 'mqnet', 'eth0', 'ctr2', { runner: broken, hasBinary: () => true }); // unusable iptables ignored
    expect(await nftTable(ns, 'inet', 'cni_plugins_masquerade')).not.toContain('ctr2');
  });
});

describe.skipIf(!canRun)('macspoofchk', () => {
  it('creates the reference chains in 1 fork, checks, tears down in 2, tolerates absence', async () => {
    const ns = await newNetns();
    const { runner, calls } = countingRunner(netnsRunner(ns));
    await setupSpoofCheck('vethab12', '0A:58:0A:63:00:02', 'ctr1', 'eth0', { runner });
    expect(calls).toHaveLength(1);
    expect(await nftTable(ns, 'bridge', 'nat')).toBe([
      'table bridge nat {',
      '\tchain PREROUTING {',
      '\t\ttype filter hook prerouting priority dstnat; policy accept;',
      '\t\tiifname "vethab12" jump cni-br-iface-ctr1-eth0 comment "macspoofchk-ctr1-eth0"',
      '\t}',
      '',
      '\tchain cni-br-iface-ctr1-eth0 {',
      '\t\tjump cni-br-iface-ctr1-eth0-mac comment "macspoofchk-ctr1-eth0"',
      '\t}',
      '',
      '\tchain cni-br-iface-ctr1-eth0-mac {',
      '\t\tether saddr 0a:58:0a:63:00:02 return comment "macspoofchk-ctr1-eth0"',
      '\t\tdrop comment "macspoofchk-ctr1-eth0"',
      '\t}',
      '}',
      '',
    ].join('\n'));
    await setupSpoofCheck('vethcd34', '0a:58:0a:63:00:03', 'ctr2', 'eth0', { runner });
    await checkSpoofCheck('vethab12', '0a:58:0a:63:00:02', 'ctr1', 'eth0', { runner });
    await expect(checkSpoofCheck('vethab12', '0a:58:0a:63:00:09', 'ctr1', 'eth0', { runner })).rejects.toThrow(/rule 3/);
    calls.length = 0;
    expect(await teardownSpoofCheck('ctr1', 'eth0', { runner })).toBe(true);
    expect(calls).toHaveLength(2);
    const left = await nftTable(ns, 'bridge', 'nat');
    expect(left).not.toContain('ctr1');
    expect(left).toContain('iifname "vethcd34" jump cni-br-iface-ctr2-eth0');
    calls.length = 0;
    expect(await teardownSpoofCheck('ctr1', 'eth0', { runner })).toBe(false);
    expect(calls).toHaveLength(1);
    const empty = await newNetns();
    expect(await teardownSpoofCheck('ctr1', 'eth0', { runner: netnsRunner(empty) })).toBe(false);
  });
});

interface RefResult { interfaces: { name: string; mac: string }[]; ips: { address: string }[] }

describe.skipIf(!canRun || !existsSync(refBridge)).each(modes)('cross-compatibility with the reference bridge (iptables %s)', (mode) => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnitsmq-'));
    // the reference runs `iptables` from PATH: in legacy mode, names that reach xtables-legacy-multi
    mkdirSync(join(dir, 'bin'));
    for (const name of ['iptables', 'ip6tables', 'iptables-save', 'ip6tables-save', 'iptables-restore', 'ip6tables-restore']) {
      symlinkSync('/usr/sbin/xtables-legacy-multi', join(dir, 'bin', name));
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function refBridgeCmd(host: string, cmd: string, cid: string, container: string): Promise<RefResult | undefined> {
    const conf = join(dir, 'conf.json');
    writeFileSync(conf, JSON.stringify({
      cniVersion: '1.0.0', name: 'mqnet', type: 'bridge', bridge: 'mqbr0', isGateway: true, ipMasq: true, macspoofchk: true,
      ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet: '10.99.0.0/24' }], [{ subnet: 'fd99::/64' }]] },
    }));
    const path = mode === 'legacy' ? `PATH=${join(dir, 'bin')}:${process.env['PATH'] ?? ''}` : '';
    const env = `${path} CNI_COMMAND=${cmd} CNI_CONTAINERID=${cid} CNI_NETNS=/var/run/netns/${container} CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni`;
    const { stdout } = await run('sh', ['-c', `ip netns exec ${host} env ${env} ${refBridge} < ${conf}`]);
    return stdout ? (JSON.parse(stdout) as RefResult) : undefined;
  }

  it('creates identical objects and each side removes the other\'s', async () => {
    const host = await newNetns('h');
    const container = await newNetns('c');
    const ref = await refBridgeCmd(host, 'ADD', 'ctr1', container);
    const veth = ref?.interfaces[1]?.name ?? '';
    const mac = ref?.interfaces[2]?.mac ?? '';
    const ips = (ref?.ips ?? []).map((i) => i.address);
    expect(ips).toEqual(['10.99.0.2/24', 'fd99::2/64']);
    const refState = [await nat(host, 4, mode), await nat(host, 6, mode), await nftTable(host, 'bridge', 'nat')] as const;
    expect(sorted(refState[0])).toEqual(sorted([`:${C1} -`, ...v4Rules(C1, 'ctr1', '10.99.0.2', '10.99.0.0/24')]));

    // ours, in a clean namespace, for the same attachment: the same objects
    const mine = await newNetns();
    const runner = modeRunner(mine, mode);
    await setupIPMasq('iptables', ips, 'mqnet', 'eth0', 'ctr1', { runner });
    await setupSpoofCheck(veth, mac, 'ctr1', 'eth0', { runner });
    expect([await nat(mine, 4, mode), await nat(mine, 6, mode), await nftTable(mine, 'bridge', 'nat')]).toEqual([...refState]);
    for (const [family, table] of [['bridge', 'nat'], ...(mode === 'nft' ? [['ip', 'nat'], ['ip6', 'nat']] : [])] as const) {
      const want = await nftObjects(host, family, table);
      expect(JSON.stringify(want)).toContain(family === 'bridge' ? 'macspoofchk-ctr1-eth0' : C1);
      expect(await nftObjects(mine, family, table)).toEqual(want);
    }

    // our teardown removes what the reference created (the table and base chain stay, as with the reference)
    const hostRunner = modeRunner(host, mode);
    await checkIPMasq('iptables', ips, 'mqnet', 'eth0', 'ctr1', { runner: hostRunner });
    await checkSpoofCheck(veth, mac, 'ctr1', 'eth0', { runner: hostRunner });
    await teardownIPMasq(ips, 'mqnet', 'eth0', 'ctr1', { runner: hostRunner });
    await teardownSpoofCheck('ctr1', 'eth0', { runner: hostRunner });
    expect(await nat(host, 4, mode)).toEqual([]);
    expect(await nat(host, 6, mode)).toEqual([]);
    expect(await nftTable(host, 'bridge', 'nat')).not.toContain('ctr1');

    // the reference's DEL removes what we created
    await setupIPMasq('iptables', ips, 'mqnet', 'eth0', 'ctr1', { runner: hostRunner });
    await setupSpoofCheck(veth, mac, 'ctr1', 'eth0', { runner: hostRunner });
    expect(await nat(host, 4, mode)).toEqual(refState[0]);
    await refBridgeCmd(host, 'DEL', 'ctr1', container);
    expect(await nat(host, 4, mode)).toEqual([]);
    expect(await nat(host, 6, mode)).toEqual([]);
    expect(await nftTable(host, 'bridge', 'nat')).not.toContain('ctr1');
  });
});
