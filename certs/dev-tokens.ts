/**
 * Development bearer tokens: a token-signing key pair beside the dev certificates
 * (`token-key.pem`, private, 0600; `jwks.json`, its public half, which the router's `--jwks`
 * reads) and short-lived ES256 tokens signed with it. For `shardmesh up` and tests; in
 * production an identity provider signs tokens and publishes the JWKS.
 */
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT } from 'jose';
import { replaceFile } from './replace-file.js';

export const DEV_TOKEN_ISSUER = 'shardmesh-dev';
export const DEV_TOKEN_AUDIENCE = 'shardmesh';
const ALG = 'ES256';

export function devTokenPaths(dir: string): { keyFile: string; jwksFile: string } {
  return { keyFile: join(dir, 'token-key.pem'), jwksFile: join(dir, 'jwks.json') };
}

/** Creates the signing key and its JWKS unless both exist; returns their paths. */
export async function ensureDevTokenKeys(dir: string): Promise<{ keyFile: string; jwksFile: string }> {
  const paths = devTokenPaths(dir);
  const exists = await Promise.all(
    [paths.keyFile, paths.jwksFile].map((f) =>
      readFile(f).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (exists.every(Boolean)) return paths;
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: randomUUID(), alg: ALG, use: 'sig' };
  // Key first: a JWKS never names a key that is not on disk.
  await replaceFile(paths.keyFile, await exportPKCS8(privateKey), 0o600);
  await replaceFile(paths.jwksFile, `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`, 0o644);
  return paths;
}

export interface DevTokenOptions {
  readonly subject: string;
  /** @default 3600 */
  readonly ttlSeconds?: number;
}

/** A token for `subject` from the dev key in `dir`, with the dev issuer and audience. */
export async function signDevToken(dir: string, options: DevTokenOptions): Promise<string> {
  const paths = devTokenPaths(dir);
  const key = createPrivateKey(await readFile(paths.keyFile));
  const jwks = JSON.parse(await readFile(paths.jwksFile, 'utf8')) as { keys: { kid?: string; x?: string }[] };
  const mine = createPublicKey(key).export({ format: 'jwk' });
  const kid = jwks.keys.find((k) => k.x === mine.x)?.kid;
  if (kid === undefined)
    throw new Error(`${paths.jwksFile} does not hold the public half of ${paths.keyFile}`);
  return new SignJWT({})
    .setProtectedHeader({ alg: ALG, kid })
    .setSubject(options.subject)
    .setIssuer(DEV_TOKEN_ISSUER)
    .setAudience(DEV_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`)
    .sign(key);
}
