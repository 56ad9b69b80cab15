// The operator's token-signing public keys: a JWKS file, re-read when it changes so keys rotate
// without a restart. A bad new file (half written, invalid JSON, no usable key) keeps the keys
// already loaded and is logged; the next change is tried again.
import { readFileSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../../../lib/log.js';

export class JwksFile {
  #keys: JWTVerifyGetKey;
  #stamp: string;
  readonly #watcher: FSWatcher;

  /** Reads `file` now (throwing a TypeError naming it if it is not a usable JWKS), then watches it. */
  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {
    this.#stamp = stampOf(statSync(file));
    this.#keys = loadKeys(file);
    // The folder, not the file: an editor or `mv` replaces the file, and a watch on the old inode
    // would never fire again.
    this.#watcher = watch(path.dirname(file), (_event, name) => {
      if (name === null || name === path.basename(file)) this.#reloadIfChanged();
    });
    this.#watcher.unref();
  }

  /** The current key set, for jose's `jwtVerify`. */
  keys(): JWTVerifyGetKey {
    return this.#keys;
  }

  close(): void {
    this.#watcher.close();
  }

  // fs.watch may report one change several times, or a change of a neighbour as ours; the
  // stat stamp makes a reload happen only when the file itself differs.
  #reloadIfChanged(): void {
    let stamp: string;
    try {
      stamp = stampOf(statSync(this.file));
    } catch {
      return; // Between an unlink and the new file's rename: wait for the next event.
    }
    if (stamp === this.#stamp) return;
    this.#stamp = stamp;
    try {
      this.#keys = loadKeys(this.file);
      this.log.info({ file: this.file }, 'token keys reloaded');
    } catch (error) {
      this.log.warn(
        { file: this.file, err: (error as Error).message },
        'new token keys invalid; keeping the old',
      );
    }
  }
}

const stampOf = (s: Stats): string => `${s.ino}:${s.size}:${s.mtimeMs}`;

function loadKeys(file: string): JWTVerifyGetKey {
  let jwks: JSONWebKeySet;
  try {
    jwks = JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet;
  } catch (error) {
    throw new TypeError(`JWKS file ${file}: ${(error as Error).message}`);
  }
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new TypeError(`JWKS file ${file}: expected {"keys": [...]} with at least one key`);
  if (keys.some((k: { kty?: unknown; d?: unknown }) => k.kty === 'oct' || k.d !== undefined))
    throw new TypeError(`JWKS file ${file}: must hold public keys only (no "oct" keys, no private parts)`);
  return createLocalJWKSet(jwks);
}
