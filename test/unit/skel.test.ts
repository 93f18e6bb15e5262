// The skel with injected I/O: env table, version rules, error boundary.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CniError, Code } from '../../lib/cni/errors';
import type { CmdArgs, Plugin } from '../../lib/cni/plugin';
import { maxStdinBytes, run } from '../../lib/cni/skel';
import { readAll } from '../../lib/cni/process-io';
import { allVersions } from '../../lib/cni/types/version';

function harness(env: Record<string, string | undefined>, stdin = '{"cniVersion":"1.1.0","name":"n"}', behave: Partial<Plugin['funcs']> = {}) {
  const calls: CmdArgs[] = [];
  const plugin: Plugin = {
    name: 'fake',
    versions: allVersions,
    funcs: {
      add: async (a) => { calls.push(a); return { cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24', gateway: '10.0.0.1' }] }; },
      del: async (a) => { calls.push(a); },
      check: async (a) => { calls.push(a); },
      ...behave,
    },
  };
  let stdout = '';
  let stderr = '';
  let stdinReads = 0;
  let stdinMax: number | undefined;
  const io = {
    env,
    readStdin: (max?: number) => { stdinReads++; stdinMax = max; return Buffer.from(stdin); },
    stdout: (t: string) => { stdout += t; },
    stderr: (t: string) => { stderr += t; },
    netnsId: (p: string) => (p === '/proc/self/ns/net' || p === '/run/netns/self' ? 'host' : p.startsWith('/run/netns/') ? p : undefined),
  };
  return { run: async () => ({ code: await run(plugin, io), stdout, stderr, stdinReads, stdinMax, calls, json: stdout ? JSON.parse(stdout) : undefined }) };
}

const full = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };

describe('required environment per verb', () => {
  it.each([
    ['ADD', { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined, CNI_PATH: undefined }, '[CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH]'],
    ['CHECK', { CNI_NETNS: undefined }, '[CNI_NETNS]'],
    ['DEL', { CNI_NETNS: undefined, CNI_IFNAME: undefined }, '[CNI_IFNAME]'],
    ['GC', { CNI_PATH: undefined, CNI_CONTAINERID: undefined }, '[CNI_PATH]'],
    ['STATUS', { CNI_PATH: undefined }, '[CNI_PATH]'],
  ])('%s', async (cmd, unset, list) => {
    const r = await harness({ ...full, CNI_COMMAND: cmd, ...unset }).run();
    expect(r.json).toEqual({ code: 4, msg: `required env variables ${list} missing` });
    expect(r.code).toBe(1);
  });

  it.each(['DEL', 'GC', 'STATUS'])('%s runs without CNI_NETNS', async (cmd) => {
    const r = await harness({ ...full, CNI_COMMAND: cmd, CNI_NETNS: undefined }, '{"cniVersion":"1.1.0","name":"n"}').run();
    expect(r.code).toBe(0);
  });

  it.each([
    ['a/b', 4, 'invalid characters in containerID'],
    ['-x', 4, 'invalid characters in containerID'],
  ])('containerID %j', async (id, code, msg) => {
    expect((await harness({ ...full, CNI_CONTAINERID: id }).run()).json).toMatchObject({ code, msg });
  });

  it.each([
    ['sixteen-chars-xx', 'interface name is too long'],
    ['.', 'interface name is . or ..'],
    ['..', 'interface name is . or ..'],
    ['a:b', 'interface name contains / or : or whitespace characters'],
    ['a b', 'interface name contains / or : or whitespace characters'],
    ['a/b', 'interface name contains / or : or whitespace characters'],
    ['a\u00a0b', 'interface name contains / or : or whitespace characters'],
  ])('ifname %j', async (name, msg) => {
    expect((await harness({ ...full, CNI_IFNAME: name }).run()).json).toMatchObject({ code: 4, msg });
  });

  it('accepts a 15-byte ifname', async () => {
    expect((await harness({ ...full, CNI_IFNAME: 'fifteen-chars-x' }).run()).code).toBe(0);
  });

  it('unknown command', async () => {
    expect((await harness({ ...full, CNI_COMMAND: 'FROB' }).run()).json).toEqual({ code: 4, msg: 'unknown CNI_COMMAND: FROB' });
  });

  it('no CNI_COMMAND prints the about text on stderr and exits 0', async () => {
    const r = await harness({}).run();
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(r.stderr).toMatch(/^CNI fake plugin cni-ts \S+\nCNI protocol versions supported: 0\.1\.0, .*1\.1\.0\n$/);
  });
});

describe('config and versions', () => {
  it('VERSION ignores stdin', async () => {
    const r = await harness({ CNI_COMMAND: 'VERSION' }, 'not json').run();
    expect(r.stdout).toBe(`{"cniVersion":"1.1.0","supportedVersions":${JSON.stringify(allVersions)}}\n`);
    expect(r.stdinReads).toBe(0);
  });

  it.each([
    ['{', 6, /^error unmarshall network config/],
    ['[]', 6, /^error unmarshall network config/],
    ['{"cniVersion":"1.1.0"}', 7, /^missing network name/],
    ['{"cniVersion":"1.1.0","name":"a b"}', 7, /^invalid characters found in network name/],
    ['{"cniVersion":"9.9.9","name":"n"}', 1, /^incompatible CNI versions/],
    ['{"cniVersion":7,"name":"n"}', 6, /cniVersion/],
  ])('stdin %j', async (stdin, code, msg) => {
    const r = await harness(full, stdin).run();
    expect(r.json.code).toBe(code);
    expect(r.json.msg).toMatch(msg);
  });

  it.each([
    ['CHECK', '0.3.1', 'config version does not allow CHECK'],
    ['GC', '1.0.0', 'config version does not allow GC'],
    ['STATUS', '0.4.0', 'config version does not allow STATUS'],
  ])('%s needs a newer config version', async (cmd, v, msg) => {
    expect((await harness({ ...full, CNI_COMMAND: cmd }, `{"cniVersion":"${v}","name":"n"}`).run()).json).toEqual({ code: 1, msg });
  });

  it('empty cniVersion means 0.1.0 and the result is printed in it', async () => {
    const r = await harness(full, '{"name":"n"}').run();
    expect(r.json).toMatchObject({ cniVersion: '0.1.0', ip4: { ip: '10.0.0.2/24' } });
  });

  it('cniVersions alone picks the highest supported version', async () => {
    const r = await harness(full, '{"cniVersions":["0.4.0","1.0.0","9.0.0"],"name":"n"}').run();
    expect(r.json.cniVersion).toBe('1.0.0');
  });

  it('passes the exact stdin bytes and parsed args to the plugin', async () => {
    const stdin = '{"cniVersion":"1.0.0",  "name":"n", "x": 1}';
    const r = await harness({ ...full, CNI_ARGS: 'A=b', CNI_PATH: '/a:/b' }, stdin).run();
    expect(r.calls[0]!.stdin.toString()).toBe(stdin);
    expect(r.calls[0]).toMatchObject({ containerID: 'c1', ifName: 'eth0', netns: '/run/netns/x', args: 'A=b', path: ['/a', '/b'] });
  });
});

describe('error boundary', () => {
  it('a CniError keeps its code; anything else becomes 999 without a stack', async () => {
    const a = await harness(full, undefined, { add: async () => { throw new CniError(Code.TryAgainLater, 'busy', 'later'); } }).run();
    expect(a.stdout).toBe('{\n    "code": 11,\n    "msg": "busy",\n    "details": "later"\n}');
    const b = await harness(full, undefined, { add: async () => { throw new TypeError('boom'); } }).run();
    expect(b.json).toEqual({ code: 999, msg: 'boom' });
    expect(b.stderr).toBe('');
  });

  it("refuses the plugin's own netns before acting (code 8)", async () => {
    const r = await harness({ ...full, CNI_NETNS: '/run/netns/self' }).run();
    expect(r.json.code).toBe(8);
    expect(r.calls).toEqual([]);
    expect((await harness({ ...full, CNI_NETNS: '/run/netns/self', CNI_NETNS_OVERRIDE: 'true' }).run()).code).toBe(0);
  });

  it('CHECK and DEL print nothing on success', async () => {
    for (const cmd of ['CHECK', 'DEL']) {
      const r = await harness({ ...full, CNI_COMMAND: cmd }).run();
      expect([r.code, r.stdout]).toEqual([0, '']);
    }
  });
});

describe('a result that cannot be printed in the config version', () => {
  it('is undone with DEL and reported', async () => {
    const dels: string[] = [];
    const r = await harness(full, '{"cniVersion":"0.2.0","name":"n"}', {
      add: async () => ({ cniVersion: '1.1.0', interfaces: [{ name: 'eth0' }] }),
      del: async (a) => { dels.push(a.command); },
    }).run();
    expect(r.json).toEqual({ code: 999, msg: 'cannot convert: no valid IP addresses' });
    expect(dels).toEqual(['DEL']);
  });
});

describe('stdin size', () => {
  /** a valid config of exactly `size` bytes */
  const sized = (size: number): string => {
    const head = '{"cniVersion":"1.1.0","name":"n","pad":"';
    return `${head}${'x'.repeat(size - head.length - 2)}"}`;
  };

  it.each([
    ['1 KiB', 1024, true],
    ['exactly the limit', maxStdinBytes, true],
    ['one byte over', maxStdinBytes + 1, false],
    ['4 MiB', 4 << 20, false],
  ])('%s', async (_name, size, ok) => {
    for (const cmd of ['ADD', 'DEL', 'CHECK']) {
      const r = await harness({ ...full, CNI_COMMAND: cmd }, sized(size)).run();
      expect(r.stdinMax).toBe(maxStdinBytes);
      if (ok) {
        expect([r.code, r.calls.length]).toEqual([0, 1]);
      } else {
        expect(r.json).toEqual({ code: 7, msg: 'invalid network configuration', details: `stdin: more than ${maxStdinBytes} bytes (1 MiB), the limit of a network configuration` });
        expect(r.calls).toEqual([]);
      }
    }
  });

  it('readAll stops soon after the limit instead of buffering everything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnitsbig-'));
    try {
      const file = join(dir, 'big');
      writeFileSync(file, Buffer.alloc(8 << 20, 120));
      const fd = openSync(file, 'r');
      try {
        const got = readAll(fd, maxStdinBytes);
        expect(got.length).toBeGreaterThan(maxStdinBytes);
        expect(got.length).toBeLessThanOrEqual(maxStdinBytes + 65536);
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
