// The VRRP codec against a million random inputs: decodeVrrp and validateForInstance must never throw,
// and every valid encode must decode back to itself. Three kinds of input, a third each:
//   random bytes of random length (0-80), with a random IP context;
//   valid adverts (v2/v3, IPv4/IPv6) with 1-8 random bytes flipped;
//   valid adverts, untouched (round trip).
// A seeded generator makes a failure reproducible: node bench/codec-fuzz.mjs --seed N --count 1000000
import { parseArgs } from 'node:util';
import { decodeVrrp, encodeVrrp, validateForInstance } from '../dist/src/vrrp/packet.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '20261201' } },
});
const count = Number(values.count);

// xorshift32: small, fast, seedable
let state = Number(values.seed) >>> 0 || 1;
const rnd = () => {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
};
const int = (n) => rnd() % n;
const ipv4 = () => `${int(224)}.${int(256)}.${int(256)}.${1 + int(254)}`;
const ipv6 = () => `2001:db8:${int(65536).toString(16)}::${(1 + int(65535)).toString(16)}`;

const reasons = new Map();
let ok = 0;
let roundTrips = 0;
let throws = 0;
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  const kind = i % 3;
  const family = rnd() & 1 ? 4 : 6;
  const version = family === 6 ? 3 : rnd() & 1 ? 2 : 3;
  const ctx = {
    family,
    src: family === 4 ? ipv4() : `fe80::${(1 + int(65535)).toString(16)}`,
    dst: family === 4 ? '224.0.0.18' : 'ff02::12',
    ttl: int(8) === 0 ? int(256) : 255,
  };
  let bytes;
  let input;
  try {
    if (kind === 0) {
      bytes = Buffer.alloc(int(81));
      for (let k = 0; k < bytes.length; k++) bytes[k] = int(256);
    } else {
      input = {
        version,
        vrid: 1 + int(255),
        priority: int(256),
        addresses: Array.from({ length: 1 + int(6) }, () => (family === 4 ? ipv4() : ipv6())),
        intervalMs: version === 2 ? 1000 * (1 + int(255)) : 10 * (1 + int(4095)),
        ...(version === 2 && rnd() & 1 ? { password: 'pw'.repeat(1 + int(4)).slice(0, 8) } : {}),
      };
      bytes = encodeVrrp(input, ctx);
      if (kind === 1) for (let k = 1 + int(8); k > 0; k--) bytes[int(bytes.length)] = int(256);
    }
    const d = decodeVrrp(bytes, ctx);
    if (d.ok) {
      ok++;
      validateForInstance(d.advert, {
        vrid: d.advert.vrid,
        version: d.advert.version,
        authType: int(3),
        password: 'pw',
        intervalMs: 1000,
        addresses: d.advert.addresses.slice(0, 1),
        priority: 100,
      });
      if (kind === 2 && ctx.ttl === 255) {
        const a = d.advert;
        const same =
          a.version === input.version &&
          a.vrid === input.vrid &&
          a.priority === input.priority &&
          a.intervalMs === input.intervalMs &&
          a.addresses.length === input.addresses.length;
        if (!same) throw new Error(`round trip changed the advert: ${JSON.stringify({ input, a })}`);
        roundTrips++;
      }
    } else reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
  } catch (err) {
    throws++;
    if (throws <= 5) console.error(`input ${i} (seed ${values.seed}): ${err.stack ?? err}`);
  }
}
const ms = performance.now() - t0;
console.log(
  `${count} inputs in ${(ms / 1000).toFixed(2)} s (${((count / ms) * 1000).toFixed(0)}/s): ${throws} threw, ${ok} decoded, ${roundTrips} round trips`,
);
console.log(
  `drops by reason: ${JSON.stringify(Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1])))}`,
);
process.exit(throws === 0 ? 0 : 1);
