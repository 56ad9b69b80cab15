/**
 * Building blocks shared by the authority and the issuer: keys, serials,
 * validity windows and IP SAN bytes. node-forge assembles and signs the
 * certificates; node's crypto makes the keys, because forge's pure-JS RSA key
 * generation takes seconds where OpenSSL takes tens of milliseconds.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { promisify } from 'node:util';

import forge from 'node-forge';

const generateKeyPairAsync = promisify(generateKeyPair);

// Peers' clocks drift; a certificate issued "now" must not be rejected as
// not-yet-valid by a machine a little behind.
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface KeyPair {
  /** PKCS#8, unencrypted: what OpenSSL, grpc-js and forge all read. */
  keyPem: string;
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

export async function generateRsaKeyPair(): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    keyPem: privateKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

/**
 * 126 random bits as hex. forge writes the hex straight into a DER INTEGER, so
 * the top bit is cleared (a set one would make the serial negative) and the
 * next set (a zero leading byte would be a non-minimal encoding).
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/**
 * `validityDays` from `start` (default now), back-dated by the clock skew allowance.
 * A `start` other than now is for certificates issued ahead of time (and for tests that need one
 * already expired or not yet valid).
 */
export function validityWindow(
  validityDays: number,
  option: string,
  notAfterCap?: Date,
  start: Date = new Date(),
): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(validityDays) || validityDays <= 0) {
    throw new TypeError(`${option} must be a positive number of days; got ${validityDays}`);
  }
  if (Number.isNaN(start.getTime())) throw new TypeError(`${option}: the start of validity is not a date`);
  // Whole seconds, as the certificate stores them, so the returned dates equal
  // what a peer will read.
  const from = Math.floor(start.getTime() / 1000) * 1000;
  let notAfter = new Date(from + Math.round(validityDays * DAY_MS));
  if (notAfterCap !== undefined && notAfter > notAfterCap) notAfter = notAfterCap;
  return { notBefore: new Date(from - CLOCK_SKEW_MS), notAfter };
}

/**
 * The 4- or 16-byte form an iPAddress SAN holds, as a forge binary string.
 * forge's own parser accepts garbage silently and mishandles some IPv6 forms.
 */
export function ipAddressBytes(ip: string): string {
  if (isIPv4(ip)) return String.fromCharCode(...ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  let text = ip.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => String.fromCharCode(parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff)).join('');
}

export function sign(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): void {
  cert.sign(key, forge.md.sha256.create());
}
