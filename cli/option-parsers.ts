import { InvalidArgumentError } from 'commander';
import { isIP } from 'node:net';
import { parseRegistryUrl } from '../registry/open-registry.js';
import { parseSelector, type PartitionSelector } from '../services/shard/partition-catalog.js';

/**
 * Commander argument parsers shared by every `shardmesh` command. Each runs once, when the command
 * line is parsed, and either returns the compiled value or throws commander's
 * `InvalidArgumentError`; commander then prints
 * `error: option '--port <port>' argument 'abc' is invalid. expected an integer from 0 to 65535`
 * and `main.ts` exits 2. So a bad option never reaches a service as NaN.
 *
 * Commander hands a parser `(value, previous)`, and `previous` is the option's default on the
 * first use: parsers that accumulate say so; the others ignore it. Defaults given to
 * `.option()` are not parsed, so they are written already compiled (`8001`, not `'8001'`).
 */

export type OptionParser<T> = (value: string, previous?: T) => T;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A base-10 integer with nothing around it: `Number('')`, `Number('0x10')` and `1e3` do not count. */
function integerIn(value: string, min: number, max: number, expected: string): number {
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${expected}`);
  return n;
}

/** A TCP port to listen on or dial; 0 asks the kernel for a free one. */
export const parsePort: OptionParser<number> = (value) =>
  integerIn(value, 0, 65535, 'an integer from 0 to 65535');

/** A count of things (partitions, threads, a batch size): an integer from 1 up. */
export const parseCount: OptionParser<number> = (value) =>
  integerIn(value, 1, MAX_SAFE, 'a positive integer');

/** An integer from 0 up (a delay in microseconds, where 0 means "none"). */
export const parseNonNegativeInteger: OptionParser<number> = (value) =>
  integerIn(value, 0, MAX_SAFE, 'an integer ≥ 0');

/** A comma-separated list of counts, such as preferred batch sizes: `4,8`. */
export const parseCountList: OptionParser<number[]> = (value) =>
  value.split(',').map((part) => integerIn(part, 1, MAX_SAFE, 'a comma-separated list of positive integers'));

/** A seed of the seeded generators (`lib/random`): a 32-bit unsigned integer. */
export const parseSeed: OptionParser<number> = (value) =>
  integerIn(value, 0, 2 ** 32 - 1, 'an integer from 0 to 4294967295');

const SIZE_UNITS = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 } as const;

/** Bytes, binary units: `1048576`, `512KiB`, `1MiB`, `1.5GiB` (`k`, `KB`, `K` mean the same). */
export const parseSize: OptionParser<number> = (value) => {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  const bytes = match
    ? Math.round(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase() as keyof typeof SIZE_UNITS])
    : NaN;
  if (!Number.isSafeInteger(bytes))
    throw new InvalidArgumentError('expected a size such as 1048576, 512KiB, 1MiB or 1GiB');
  return bytes;
};

/** A size within [minBytes, maxBytes], for limits a service enforces (e.g. the shard's chunk size). */
export function sizeBetween(minBytes: number, maxBytes: number): OptionParser<number> {
  return (value) => {
    const bytes = parseSize(value);
    if (bytes < minBytes || bytes > maxBytes)
      throw new InvalidArgumentError(`expected a size from ${minBytes} to ${maxBytes} bytes`);
    return bytes;
  };
}

/** A finite decimal number ≥ 0, such as a tolerance: `1e-5`, `0.01`, `0`. */
export const parseNonNegative: OptionParser<number> = (value) => {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0, such as 1e-5');
  return n;
};

/** A fraction in (0, 1], such as a quantile: `0.99`, `1`. */
export const parseFraction: OptionParser<number> = (value) => {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('expected a number in (0, 1], such as 0.99');
  return n;
};

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration in whole milliseconds of at least `least`: a bare number is ms; `500ms`, `30s`, `2m`, `12h`, `2d`. */
function durationAtLeast(least: number, expected: string): OptionParser<number> {
  return (value) => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
    const ms = match
      ? Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? 'ms') as keyof typeof DURATION_UNITS])
      : NaN;
    if (!Number.isSafeInteger(ms) || ms < least) throw new InvalidArgumentError(expected);
    return ms;
  };
}

/** A positive duration in milliseconds: `60000` (a bare number is ms), `500ms`, `30s`, `2m`. */
export const parseDurationMs = durationAtLeast(
  1,
  'expected a positive duration such as 60000, 500ms, 30s or 2m',
);

/** A duration that may be 0 ("at once"): `0`, `500ms`, `30s`. */
export const parseDurationOrZeroMs = durationAtLeast(0, 'expected a duration such as 0, 500ms, 30s or 2m');

/** One of a fixed set of words (a role, a strategy). */
export function parseChoice<T extends string>(choices: readonly T[]): OptionParser<T> {
  return (value) => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return value as T;
  };
}

/** A registry URL (`consul://HOST:PORT`, `embedded:DIR`), checked now and kept as written. */
export const parseRegistry: OptionParser<string> = (value) => {
  let location;
  try {
    location = parseRegistryUrl(value);
  } catch {
    throw new InvalidArgumentError('expected consul://HOST:PORT or embedded:DIR');
  }
  if (location.kind === 'consul' && location.port === 0)
    throw new InvalidArgumentError('expected consul://HOST:PORT with a port from 1 to 65535');
  return value;
};

const LABEL = '[a-z0-9]([a-z0-9-]*[a-z0-9])?';
const HOST_NAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`, 'i');
const isHostName = (value: string): boolean => value.length <= 253 && HOST_NAME.test(value);

/** An address to listen on: an IP address or a host name. */
export const parseHost: OptionParser<string> = (value) => {
  if (isIP(value) === 0 && !isHostName(value))
    throw new InvalidArgumentError('expected an IP address or a host name');
  return value;
};

/** An address to dial: `HOST:PORT`, `[IPv6]:PORT`. */
export const parseAddress: OptionParser<string> = (value) => {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d+)$/i.exec(value);
  if (!match) throw new InvalidArgumentError('expected HOST:PORT');
  const host = match[1]!.startsWith('[') ? match[1]!.slice(1, -1) : match[1]!;
  try {
    parseHost(host);
    integerIn(match[2]!, 1, 65535, '');
  } catch {
    throw new InvalidArgumentError('expected HOST:PORT with a port from 1 to 65535');
  }
  return value;
};

/**
 * One `--serve` selector, `MODEL/VERSION/STAGE/PARTITION` with `*` for any part, appended to the
 * ones before it (the option repeats and is variadic). The partition part is a number or `*`: a
 * selector naming partition `x` would silently serve nothing.
 */
export const collectSelector: OptionParser<PartitionSelector[]> = (value, previous = []) => {
  let selector: PartitionSelector;
  try {
    selector = parseSelector(value);
  } catch {
    throw new InvalidArgumentError('expected MODEL/VERSION/STAGE/PARTITION, any part may be *');
  }
  if (selector.partition !== '*' && !/^(0|[1-9]\d*)$/.test(selector.partition))
    throw new InvalidArgumentError('expected a partition number or * as the last part');
  return [...previous, selector];
};

/** Comma-separated IP addresses, appended to the ones before it (the option repeats). */
export const collectIps: OptionParser<string[]> = (value, previous = []) => {
  const ips = value.split(',').filter(Boolean);
  if (ips.length === 0 || ips.some((ip) => isIP(ip) === 0))
    throw new InvalidArgumentError('expected IP addresses, comma separated');
  return [...previous, ...ips];
};

/** Comma-separated DNS names (a leading `*.` allowed), appended to the ones before it. */
export const collectDnsNames: OptionParser<string[]> = (value, previous = []) => {
  const names = value.split(',').filter(Boolean);
  if (names.length === 0 || names.some((n) => !isHostName(n.replace(/^\*\./, ''))))
    throw new InvalidArgumentError('expected DNS names, comma separated');
  return [...previous, ...names];
};
