/**
 * A private key and its certificate replaced so that no reader ever finds a mismatched pair,
 * whatever kills the writer: `certs issue` used to rename the new key into place and then the new
 * certificate, and a kill between the two left a new key beside the old certificate.
 *
 * Two files cannot be renamed at once, so the new certificate is staged first as `CERT.next`;
 * the key's rename is the commit point; the staged certificate's rename finishes the change.
 * `settleKeyPair`, run before every load (credentials.ts) and every write, finishes what a killed
 * writer left: a `CERT.next` whose public key is the key's is renamed into place (the key had been
 * replaced), any other is removed (it had not).
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { replaceFile } from './replace-file.js';

export interface KeyPairFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Where a new certificate waits while its key replaces the old one. */
export const stagedCertificate = (certFile: string): string => `${certFile}.next`;

/** Steps of `writeKeyPair`, for tests that stop a writer between them. */
export type KeyPairStep = 'staged' | 'key-replaced';

export async function writeKeyPair(
  files: KeyPairFiles,
  keyPem: string,
  certPem: string,
  afterStep: (step: KeyPairStep) => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  await settleKeyPair(files);
  await replaceFile(stagedCertificate(files.certFile), certPem, 0o644);
  await afterStep('staged');
  await replaceFile(files.keyFile, keyPem, 0o600);
  await afterStep('key-replaced');
  try {
    await rename(stagedCertificate(files.certFile), files.certFile);
  } catch (error) {
    // A running router or shard reloading right after the key's rename settles the pair itself
    // (loadTlsFiles): the staged certificate is then already in place, which is this write done.
    const settled = await readFile(files.certFile, 'utf8').catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || settled !== certPem) throw error;
  }
}

/** Finishes or undoes a `writeKeyPair` that was stopped between its renames; nothing to do otherwise. */
export async function settleKeyPair(files: KeyPairFiles): Promise<void> {
  const staged = stagedCertificate(files.certFile);
  let certPem: Buffer;
  try {
    certPem = await readFile(staged);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const keyPem = await readFile(files.keyFile).catch(() => undefined);
  if (keyPem !== undefined && sameKey(keyPem, certPem)) await rename(staged, files.certFile);
  else await rm(staged, { force: true });
}

function sameKey(keyPem: Buffer, certPem: Buffer): boolean {
  try {
    const der = { type: 'spki', format: 'der' } as const;
    const fromKey = createPublicKey(keyPem).export(der);
    return fromKey.equals(new X509Certificate(certPem).publicKey.export(der));
  } catch {
    return false;
  }
}
