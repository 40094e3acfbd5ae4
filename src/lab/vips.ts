import { execa, type ResultPromise } from 'execa';
import { addresses } from '../netns/ip.js';
import { DeadlineExceeded, withDeadline } from '../util/wait.js';

export interface VipWatch {
  address: string;
  expected: string;
}

export type Holders = Map<string, string[]>;

/** Which node holds each VIP right now (on a link that is up), read from the kernel in every speaker namespace. */
export async function vipHolders(nodes: { name: string; ns: string }[], vips: string[]): Promise<Holders> {
  const holders: Holders = new Map(vips.map((v) => [v, []]));
  await Promise.all(
    nodes.map(async (n) => {
      const links = await addresses(n.ns).catch(() => []);
      for (const link of links) {
        // An address on a link that is down serves nobody (a crashed box keeps its config, not its cable).
        if (!link.flags?.includes('UP') || link.flags.includes('NO-CARRIER')) continue;
        for (const a of link.addr_info) holders.get(a.local)?.push(n.name);
      }
    }),
  );
  for (const list of holders.values()) list.sort();
  return holders;
}

export function settled(holders: Holders, vips: VipWatch[]): boolean {
  return vips.every((v) => {
    const h = holders.get(v.address) ?? [];
    return h.length === 1 && h[0] === v.expected;
  });
}

/**
 * Waits until the VIP holders satisfy `want`. Woken by netlink (`ip monitor address` in each namespace),
 * not by polling; each wake-up re-reads the addresses. Returns the final holders and the time it took.
 */
export async function waitForHolders(
  nodes: { name: string; ns: string }[],
  vips: string[],
  want: (h: Holders) => boolean,
  ms: number,
  abort?: Promise<never>,
): Promise<{ holders: Holders; elapsedMs: number }> {
  const started = performance.now();
  const monitors: ResultPromise[] = [];
  let last: Holders = new Map();
  let backstop: NodeJS.Timeout | undefined;
  const done = new Promise<Holders>((resolve, reject) => {
    let checking = false;
    let again = false;
    const check = async () => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          last = await vipHolders(nodes, vips);
          if (want(last)) return resolve(last);
        } while (again);
      } catch (err) {
        reject(err);
      } finally {
        checking = false;
      }
    };
    for (const n of nodes) {
      const m = execa('ip', ['-n', n.ns, 'monitor', 'address', 'link'], { reject: false, buffer: false });
      m.stdout?.on('data', () => void check());
      monitors.push(m);
    }
    void check();
    // Backstop only: an address change between the first read and a monitor subscribing would be missed.
    backstop = setInterval(() => void check(), 1000);
  });
  try {
    const holders = await withDeadline(done, ms, 'VIP holders', abort);
    return { holders, elapsedMs: performance.now() - started };
  } catch (err) {
    if (err instanceof DeadlineExceeded) {
      const now = [...last].map(([vip, h]) => `${vip}: held by ${h.join(', ') || 'nobody'}`);
      throw new DeadlineExceeded(`VIP holders never became as wanted: ${now.join('; ')}`, ms);
    }
    throw err;
  } finally {
    clearInterval(backstop);
    for (const m of monitors) m.kill();
  }
}

/** Waits until every VIP is held by exactly its expected node. */
export async function waitForVips(
  nodes: { name: string; ns: string }[],
  vips: VipWatch[],
  ms: number,
  abort?: Promise<never>,
): Promise<{ holders: Holders; elapsedMs: number }> {
  try {
    return await waitForHolders(
      nodes,
      vips.map((v) => v.address),
      (h) => settled(h, vips),
      ms,
      abort,
    );
  } catch (err) {
    if (err instanceof DeadlineExceeded) {
      const now = await vipHolders(
        nodes,
        vips.map((v) => v.address),
      );
      const text = vips.map(
        (v) => `${v.address}: held by ${now.get(v.address)?.join(', ') || 'nobody'} (expected ${v.expected})`,
      );
      throw new DeadlineExceeded(`VIPs did not settle: ${text.join('; ')}`, ms);
    }
    throw err;
  }
}
