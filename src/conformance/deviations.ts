/**
 * Documented, deliberate differences from the RFCs: a case an implementation does not pass for one of
 * these reasons is a DEVIATION (explained), not a FAIL. Each entry says what the implementation does and
 * why; an entry is only used when the case's own judgement failed.
 */
import type { SpeakerImpl } from '../topology/schema.js';
import type { VariantId } from './lab.js';

export interface Deviation {
  impl: SpeakerImpl;
  case: string;
  variants?: VariantId[];
  why: string;
}

export const DEVIATIONS: Deviation[] = [
  {
    impl: 'keepalived',
    case: 'RX-ADDRESSES-V3',
    why:
      'keepalived 2.2.7 discards an advert whose address list differs from its own, in v3 as in v2 ' +
      '(vrrp_check_packet: "ip address associated with VRID not present in MASTER advert"); RFC 5798 ' +
      '§7.1 only asks the receiver to log it. A misconfigured pair then has two masters instead of one.',
  },
  {
    impl: 'keepalived',
    case: 'ND-NA',
    why:
      'keepalived 2.2.7 sets the Router flag of its unsolicited NAs only when IPv6 forwarding is on for ' +
      'the interface (vrrp_ndisc.c: gna_router, read from net.ipv6.conf.IF.forwarding); the lab DUT does ' +
      "not forward, as the post's proxies do not. RFC 5798 §6.4.1 asks for R set.",
  },
  {
    impl: 'keepalived',
    case: 'RX-CHECKSUM-MESSAGE',
    why: 'keepalived requires the pseudo-header form for VRRPv3 over IPv4 (the RFC 5798 checksum).',
  },
];

export function deviationFor(impl: SpeakerImpl, caseId: string, variant: VariantId): Deviation | undefined {
  return DEVIATIONS.find(
    (d) => d.impl === impl && d.case === caseId && (!d.variants || d.variants.includes(variant)),
  );
}
