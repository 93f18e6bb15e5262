// The two backends behind one shape, chosen by the config (portmap's PortMapper interface).
import type { Runner } from '../../lib/masq/run';
import type { Backend, PortMapConf } from './config';
import { checkIPTables, forwardIPTables, unforwardIPTables } from './iptables';
import { checkNFTables, forwardNFTables, unforwardNFTables } from './nftables';

export interface PortMapper {
  forward(conf: PortMapConf, runner?: Runner): Promise<void>;
  check(conf: PortMapConf, runner?: Runner): Promise<void>;
  unforward(conf: PortMapConf, runner?: Runner): Promise<void>;
}

export const mappers: Record<Backend, PortMapper> = {
  iptables: { forward: forwardIPTables, check: checkIPTables, unforward: unforwardIPTables },
  nftables: { forward: forwardNFTables, check: checkNFTables, unforward: unforwardNFTables },
};
