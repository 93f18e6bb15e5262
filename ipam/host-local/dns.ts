// resolvConf -> result dns, exactly as the reference's dns.go reads it.
import fs from 'node:fs';
import { internal } from '../../lib/cni/errors';
import type { DNS } from '../../lib/cni/types/current';
import { goFsError } from './fs-error';
import { goTrimSpace } from './store';

const goFields = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Parses resolv.conf text: nameserver (first field), domain (last wins), search and options (all fields). */
export function parseResolvConfText(text: string): DNS {
  const dns: DNS = {};
  // bufio.ScanLines: split on \n, drop one trailing \r, no empty last line
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const [i, raw] of lines.entries()) {
    // bufio.Scanner's default 64 KiB buffer must hold the line and its newline
    if (Buffer.byteLength(raw) + (i < lines.length - 1 || text.endsWith('\n') ? 1 : 0) > 65536) {
      throw internal('bufio.Scanner: token too long');
    }
    const line = goTrimSpace(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const fields = line.split(goFields);
    if (fields.length < 2) continue;
    const [key, first] = fields as [string, string];
    switch (key) {
      case 'nameserver':
        (dns.nameservers ??= []).push(first);
        break;
      case 'domain':
        dns.domain = first;
        break;
      case 'search':
        (dns.search ??= []).push(...fields.slice(1));
        break;
      case 'options':
        (dns.options ??= []).push(...fields.slice(1));
        break;
    }
  }
  return dns;
}

export function parseResolvConf(file: string): DNS {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw goFsError(err);
  }
  return parseResolvConfText(text);
}
