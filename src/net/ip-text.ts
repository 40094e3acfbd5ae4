/**
 * Address text, the one formatter of the project (tsvrrpd's codec and the capture decoders both use it).
 * IPv6 follows RFC 5952 as glibc's inet_ntop prints it, which tcpdump and tshark match: lower case, no
 * leading zeros, the longest run of two or more zero groups (the first when tied) as `::`, and a dotted
 * IPv4 tail for the IPv4-mapped block (::ffff:a.b.c.d) and for the IPv4-compatible one (::a.b.c.d, when
 * exactly the first six groups are zero: `::1` and `::101` stay hex, as inet_ntop leaves them).
 */

/** 4 octets from `offset` as dotted-quad text. */
export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset] ?? 0}.${bytes[offset + 1] ?? 0}.${bytes[offset + 2] ?? 0}.${bytes[offset + 3] ?? 0}`;
}

/** 16 octets from `offset` as IPv6 text, as inet_ntop(3) prints them. */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++)
    groups.push(((bytes[offset + 2 * i] ?? 0) << 8) | (bytes[offset + 2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${formatIPv4(bytes, offset + 12)}`;
  }
  if (bestLen < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
