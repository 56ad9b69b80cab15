// SPIFFE id patterns an operator writes (`--allow-client-identity`), e.g.
// `spiffe://shardmesh.local/router/*`. A `*` stands for any characters within one path segment,
// never a `/`, so a pattern cannot widen itself across roles or trust domains by accident.

export type SpiffePattern = (id: string) => boolean;

const PATTERN = /^spiffe:\/\/[a-z0-9._*-]+(\/[A-Za-z0-9._*-]+)*$/;

/** Throws a TypeError naming the pattern when it is not a SPIFFE id with optional `*`s. */
export function parseSpiffePattern(pattern: string): SpiffePattern {
  if (!PATTERN.test(pattern))
    throw new TypeError(
      `client identity pattern ${JSON.stringify(pattern)}: expected spiffe://TRUST-DOMAIN/ROLE/NAME, where * matches within one segment`,
    );
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  const regex = new RegExp(`^${source}$`);
  return (id) => regex.test(id);
}
