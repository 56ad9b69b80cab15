import { ip } from './ip-command.js';

/** A /24 for one simulated network: hosts get `<base>.<n>`. */
export interface Subnet {
  /** The first three octets, e.g. `10.213.7`. */
  readonly base: string;
  readonly cidr: string;
  /** The address of the n-th machine on it (1 is the test process's uplink). */
  address(n: number): string;
}

/** Private range the simulated networks take their /24s from. */
const RANGE = '10.213';

/**
 * A /24 under 10.213.0.0/16 that no address or route of the root namespace touches, so the
 * simulated hosts never shadow a real network, nor a network of another test running now (its
 * uplink's address is in the root namespace). Starts at a pid-derived offset to make a collision
 * between two runs picking at once unlikely; the address add of the uplink is what settles it.
 */
export async function pickFreeSubnet(pid = process.pid): Promise<Subnet> {
  const used = (await ip('-4', '-o', 'addr', 'show')) + (await ip('-4', 'route', 'show', 'table', 'all'));
  for (let i = 0; i < 256; i++) {
    const third = (pid + i) % 256;
    const base = `${RANGE}.${third}`;
    if (used.includes(`${base}.`)) continue;
    return { base, cidr: `${base}.0/24`, address: (n) => `${base}.${n}` };
  }
  throw new Error(`no free /24 left in ${RANGE}.0.0/16 for a simulated network`);
}
