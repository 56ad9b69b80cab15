// grpc-js hands the dialled host to node:tls as `servername`, IP addresses included (its
// channel-credentials.js). For an IP address Node sends no SNI, as RFC 6066 requires, and prints
// DeprecationWarning DEP0123 on the first such connection: the router dials shards by IP, and
// `shardmesh up` and `infer` dial the router by IP, so every local mesh printed it. Nothing is
// wrong to warn about: the certificate is still checked against the address (its IP SAN), and
// the shard hop against the SPIFFE identity too. So that one warning is dropped; every other
// warning is printed as Node prints it.

const IP_SERVERNAME_WARNING = 'DEP0123';

/** Stops Node printing DEP0123; other warnings reach Node's own printer unchanged. */
export function dropIpServernameWarning(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    if (warning.code === IP_SERVERNAME_WARNING) return;
    for (const print of printers) print(warning);
  });
}
