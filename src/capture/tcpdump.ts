import { join } from 'node:path';
import { daemonSpec, type Launch, type ServiceContext } from '../services/service.js';

export function pcapPath(runDir: string, segment: string): string {
  return join(runDir, 'pcap', `${segment}.pcap`);
}

/**
 * One tcpdump per segment, on its bridge in the switch namespace: it sees every frame of the segment,
 * also the last ones of a node that crashes. Classic microsecond pcap (tcpdump's default, what
 * pcap-parser reads and Wireshark opens).
 *   -U / --immediate-mode: every packet reaches the file at once, and SIGINT loses none;
 *   -Z root: keep writing into the root-owned run directory;
 *   -s 512: headers and VRRP/ARP/ND in full, payloads of the probes' TCP cut short.
 * The capture counts as started once tcpdump says "listening on".
 */
export function launchCapture(ctx: ServiceContext, segment: string, bridge: string, file: string): Launch {
  const argv = [
    'tcpdump',
    '-i',
    bridge,
    '-w',
    file,
    '-U',
    '--immediate-mode',
    '-Z',
    'root',
    '-s',
    '512',
    '-n',
  ];
  return {
    spec: daemonSpec(ctx, `tcpdump-${segment}`, argv, join(ctx.dir, `tcpdump-${segment}.log`)),
    ready: /listening on /,
    readyTimeoutMs: 10_000,
  };
}
