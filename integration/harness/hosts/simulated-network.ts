import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertNetnsPermitted, ip, ipQuietly } from './ip-command.js';
import {
  BRIDGE,
  HOST_INTERFACE,
  hostNamespace,
  newRunPrefix,
  switchNamespace,
  switchPort,
  uplinkName,
} from './run-names.js';
import { SimulatedHost } from './simulated-host.js';
import { removeNamespace, removeStaleNetworks } from './stale-networks.js';
import { pickFreeSubnet, type Subnet } from './subnet.js';

/** Host addresses start here (`.1` is the test process's uplink). */
const FIRST_HOST_OCTET = 11;
/** Hosts one network may hold: addresses `.11` to `.254`. */
const MAX_HOSTS = 254 - FIRST_HOST_OCTET + 1;

/**
 * A LAN of simulated hosts on this machine: a Linux bridge in a namespace of its own (the switch),
 * one namespace per host cabled to it by a veth pair, and an uplink from the root namespace so the
 * test process itself sits on the LAN (at `.1`) and can call any host's address. The switch has a
 * namespace of its own so nothing of the machine's own network (firewall rules, other bridges)
 * touches the simulated one, and so deleting it unplugs every cable at once.
 *
 * Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2; `create` says so if it cannot.
 */
export class SimulatedNetwork {
  readonly hosts = new Map<string, SimulatedHost>();
  #destroyed: Promise<void> | undefined;

  private constructor(
    readonly prefix: string,
    readonly subnet: Subnet,
    /** Where the hosts' folders live; removed by `destroy`. */
    readonly dir: string,
  ) {}

  /** The test process's own address on the LAN. */
  get uplinkAddress(): string {
    return this.subnet.address(1);
  }

  /** Removes leftovers of crashed runs, then builds the switch and the uplink. */
  static async create(): Promise<SimulatedNetwork> {
    const prefix = newRunPrefix();
    await assertNetnsPermitted(`${prefix}-probe`);
    await removeStaleNetworks();
    const subnet = await pickFreeSubnet();
    const dir = path.join(tmpdir(), prefix);
    const network = new SimulatedNetwork(prefix, subnet, dir);
    try {
      await mkdir(dir, { recursive: true });
      const sw = switchNamespace(prefix);
      await ip('netns', 'add', sw);
      await ip('-n', sw, 'link', 'add', BRIDGE, 'type', 'bridge');
      await ip('-n', sw, 'link', 'set', BRIDGE, 'up');
      const uplink = uplinkName(prefix);
      await ip('link', 'add', uplink, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', sw);
      await ip('-n', sw, 'link', 'set', 'uplink', 'master', BRIDGE, 'up');
      await ip('addr', 'add', `${network.uplinkAddress}/24`, 'dev', uplink);
      await ip('link', 'set', uplink, 'up');
    } catch (error) {
      await network.destroy();
      throw error;
    }
    return network;
  }

  /** A new host on the LAN, at the next free address. */
  async addHost(name: string): Promise<SimulatedHost> {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) throw new TypeError(`host name ${JSON.stringify(name)}`);
    if (this.hosts.has(name)) throw new TypeError(`host ${name} exists already`);
    if (this.hosts.size >= MAX_HOSTS) throw new RangeError(`a network holds at most ${MAX_HOSTS} hosts`);
    const index = this.hosts.size;
    const sw = switchNamespace(this.prefix);
    const ns = hostNamespace(this.prefix, name);
    const port = switchPort(index);
    const address = this.subnet.address(FIRST_HOST_OCTET + index);
    const dir = path.join(this.dir, name);
    await mkdir(dir, { recursive: true });
    await ip('netns', 'add', ns);
    const host = new SimulatedHost(name, ns, address, dir, sw, port);
    this.hosts.set(name, host);
    await ip('-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', HOST_INTERFACE, 'netns', ns);
    await ip('-n', sw, 'link', 'set', port, 'master', BRIDGE, 'up');
    await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', HOST_INTERFACE);
    await ip('-n', ns, 'link', 'set', HOST_INTERFACE, 'up');
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    return host;
  }

  /**
   * Kills whatever still runs on the hosts, deletes every namespace and the uplink, and removes the
   * hosts' folders. Safe to call twice and after a failed `create`. Callers stop their processes
   * first to let them exit cleanly; this is the backstop.
   */
  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      for (const host of this.hosts.values()) await removeNamespace(host.namespace);
      await removeNamespace(switchNamespace(this.prefix));
      await ipQuietly('link', 'del', uplinkName(this.prefix));
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.#destroyed;
  }
}
