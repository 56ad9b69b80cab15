/**
 * Writes a file by rename, so a process reading it during rotation sees the
 * old contents or the new, never a torn mix, and with an exact mode, so a
 * private key is never readable by others even for a moment.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';

export async function replaceFile(path: string, data: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    // writeFile's mode passes through the umask; chmod makes it exact.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
