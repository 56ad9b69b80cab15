import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { ip } from './ip-command.js';

/**
 * One simulated machine: a network namespace with one interface (`eth0`) cabled to the network's
 * switch, its own address, its own loopback (so each host's Consul agent can take the usual ports),
 * and a folder standing for its disk. The filesystem is shared with every other host and the test:
 * keeping each host to its own folder is the harness's discipline, not the kernel's.
 */
export class SimulatedHost {
  #linkUp = true;

  constructor(
    readonly name: string,
    readonly namespace: string,
    readonly address: string,
    /** This host's folder: what it would have on its own disk. */
    readonly dir: string,
    private readonly switchNamespace: string,
    private readonly switchPort: string,
  ) {}

  /**
   * Prefix for a command to run on this host. `ip netns exec` execs the command after joining the
   * namespace (it does not fork), so the spawned pid and the signals sent to it are the command's.
   */
  get launcher(): readonly string[] {
    return ['ip', 'netns', 'exec', this.namespace];
  }

  /** Starts `command` on this host. */
  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const [first, ...rest] = this.launcher;
    return spawn(first!, [...rest, command, ...args], options);
  }

  get linkUp(): boolean {
    return this.#linkUp;
  }

  /**
   * Pulls the host's cable out at the switch: its port goes down, the host's `eth0` loses carrier,
   * and every packet to or from it is dropped, with no reset sent: peers see silence, as when a
   * machine or its switch port dies. Processes on the host keep running and keep their sockets.
   */
  async cutLink(): Promise<void> {
    await ip('-n', this.switchNamespace, 'link', 'set', this.switchPort, 'down');
    this.#linkUp = false;
  }

  /** Plugs the cable back in. */
  async restoreLink(): Promise<void> {
    await ip('-n', this.switchNamespace, 'link', 'set', this.switchPort, 'up');
    this.#linkUp = true;
  }
}
