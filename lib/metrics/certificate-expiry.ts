import { Gauge, type Registry } from 'prom-client';

/** What the gauge reads: the process's own key pair watcher (`certs/key-pair-watcher.ts`). */
export interface LeafSource {
  readonly leaf: { readonly notAfter: Date };
}

/**
 * `shardmesh_certificate_expiry_seconds`: when the process's own leaf certificate expires, in
 * seconds since the epoch (alert on `... - time() < 7*86400`). Read from the watcher at each
 * scrape, so a rotation (`shardmesh certs renew`) shows at the next scrape with no hook to forget.
 */
export function registerCertificateExpiry(registry: Registry, certificates: LeafSource): void {
  new Gauge({
    name: 'shardmesh_certificate_expiry_seconds',
    help: "Expiry (notAfter) of this process's own TLS leaf certificate, seconds since the epoch",
    registers: [registry],
    collect() {
      this.set(certificates.leaf.notAfter.getTime() / 1000);
    },
  });
}
