import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How long one `ip` command may take; they are kernel calls and answer in milliseconds. */
const IP_TIMEOUT_MS = 10_000;

/** An `ip` command that failed, with the command line and what `ip` said, for the test's output. */
export class IpCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(`ip ${args.join(' ')} failed: ${stderr.trim() || 'no output'}`, options);
    this.name = 'IpCommandError';
  }
}

/** Runs `ip ARGS...` (iproute2) and returns its stdout; throws IpCommandError if it fails. */
export async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: IP_TIMEOUT_MS });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message?: string };
    throw new IpCommandError(args, e.stderr || e.message || String(error), { cause: error });
  }
}

/** Like `ip`, for cleanup: a failure (say, the thing is already gone) is not an error. */
export async function ipQuietly(...args: string[]): Promise<void> {
  await ip(...args).catch(() => undefined);
}

/**
 * Throws, saying why, unless this process may create network namespaces (root, or CAP_SYS_ADMIN and
 * CAP_NET_ADMIN, and `ip` installed). Simulated hosts need them; a test that cannot have them must
 * fail saying so, never pass without having run.
 */
export async function assertNetnsPermitted(probeName: string): Promise<void> {
  try {
    await ip('netns', 'add', probeName);
  } catch (error) {
    const reason = error instanceof IpCommandError ? error.stderr.trim() : (error as Error).message;
    throw new Error(
      `network namespaces are not permitted here (\`ip netns add\` failed: ${reason}); the multi-host ` +
        'test simulates hosts with them and needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN) and iproute2',
      { cause: error },
    );
  } finally {
    await ipQuietly('netns', 'del', probeName);
  }
}
