// The environment a plugin receives, validated as libcni's skel does: one
// table of which variable each verb requires, plus per-variable validators.
import { CniError, Code } from './errors';
import type { Verb } from './plugin';

export const verbs: readonly Verb[] = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC', 'VERSION'];

type Validator = (value: string) => void;

interface EnvVar {
  name: string;
  requiredFor: readonly string[];
  validate?: Validator;
}

export const validNameChars = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function validateContainerID(id: string): void {
  if (id === '') throw new CniError(Code.UnknownContainer, 'missing containerID');
  if (!validNameChars.test(id)) throw new CniError(Code.InvalidEnv, 'invalid characters in containerID', id);
}

export function validateIfName(name: string): void {
  if (name.length === 0) throw new CniError(Code.InvalidEnv, 'interface name is empty');
  if (Buffer.byteLength(name) > 15) {
    throw new CniError(Code.InvalidEnv, 'interface name is too long', 'interface name should be less than 16 characters');
  }
  if (name === '.' || name === '..') throw new CniError(Code.InvalidEnv, 'interface name is . or ..');
  if (/[/:\s\u0085\u00a0]/u.test(name)) {
    throw new CniError(Code.InvalidEnv, 'interface name contains / or : or whitespace characters');
  }
}

export function validateNetworkName(name: string): void {
  if (name === '') throw new CniError(Code.InvalidNetworkConfig, 'missing network name');
  if (!validNameChars.test(name)) throw new CniError(Code.InvalidNetworkConfig, 'invalid characters found in network name', name);
}

export const envTable: readonly EnvVar[] = [
  { name: 'CNI_COMMAND', requiredFor: verbs },
  { name: 'CNI_CONTAINERID', requiredFor: ['ADD', 'CHECK', 'DEL'], validate: validateContainerID },
  { name: 'CNI_NETNS', requiredFor: ['ADD', 'CHECK'] },
  { name: 'CNI_IFNAME', requiredFor: ['ADD', 'CHECK', 'DEL'], validate: validateIfName },
  { name: 'CNI_ARGS', requiredFor: [] },
  { name: 'CNI_PATH', requiredFor: ['ADD', 'CHECK', 'DEL', 'GC', 'STATUS'] },
  { name: 'CNI_NETNS_OVERRIDE', requiredFor: [] },
];

/** Returns the values of the table's variables; throws code 4 naming every missing one. */
export function readEnv(env: Record<string, string | undefined>): Record<string, string> {
  const cmd = env['CNI_COMMAND'] ?? '';
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const v of envTable) {
    const value = env[v.name] ?? '';
    out[v.name] = value;
    const required = v.requiredFor.includes(cmd);
    if (value === '') {
      if (required || v.name === 'CNI_COMMAND') missing.push(v.name);
    } else if (required) {
      v.validate?.(value);
    }
  }
  if (missing.length) throw new CniError(Code.InvalidEnv, `required env variables [${missing.join(',')}] missing`);
  return out;
}
