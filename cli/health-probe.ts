/**
 * One `grpc.health.v1` Check of the router or shard in this pod, over the mutual TLS its peers use; for Kubernetes exec
 * probes (deploy/helm/shardmesh).
 *
 * Why not kubelet's own `grpc:` probe: it speaks plaintext only, and every shardmesh port demands
 * TLS with a client certificate signed by the mesh CA. So the pod probes itself with its own
 * certificate (NAME.pem in DIR, as `router` and `shard` load it). The Health service answers any
 * certificate of the CA; only Shard.Infer and the V2 calls check roles.
 *
 * The server is accepted when its chain verifies against the CA and it carries a SPIFFE id of the
 * probe's own trust domain; its host name is not checked, since the probe dials 127.0.0.1 and a
 * certificate issued for a Service or pod DNS name need not carry that address.
 *
 * The program is health-probe-main.ts.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { createSecureContext, type PeerCertificate } from 'node:tls';
import { formatSpiffeId, identityFromCertificate, identityFromPeerCertificate } from '../certs/identity.js';
import { storeTlsFiles } from '../certs/store.js';
import { loadHealthPackage } from '../lib/grpc/protos.js';

export interface HealthProbeOptions {
  readonly certsDir: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** grpc.health.v1 service name; '' is the whole server. */
  readonly service: string;
  readonly timeoutMs: number;
}

export interface HealthProbeResult {
  readonly serving: boolean;
  /** One line for the probe's output: the status, or why there is none. */
  readonly message: string;
}

/** One Check call; never rejects. */
export async function probeHealth(o: HealthProbeOptions): Promise<HealthProbeResult> {
  const files = storeTlsFiles(o.certsDir, o.name);
  let client: grpc.Client;
  try {
    const [ca, cert, key] = [files.caFile, files.certFile, files.keyFile].map((f) => readFileSync(f));
    const own = identityFromCertificate(cert!);
    const checkServerIdentity = (_host: string, peer: PeerCertificate): Error | undefined => {
      try {
        const server = identityFromPeerCertificate(peer);
        return server.trustDomain === own.trustDomain
          ? undefined
          : new Error(`server ${formatSpiffeId(server)} is not of trust domain ${own.trustDomain}`);
      } catch (error) {
        return error as Error;
      }
    };
    const context = createSecureContext({ ca, cert, key, minVersion: 'TLSv1.3' });
    const credentials = grpc.credentials.createFromSecureContext(context, { checkServerIdentity });
    const host = o.host.includes(':') ? `[${o.host}]` : o.host;
    client = new (loadHealthPackage().service)(`${host}:${o.port}`, credentials);
  } catch (error) {
    return {
      serving: false,
      message: `cannot load the certificate ${o.name} from ${o.certsDir}: ${(error as Error).message}`,
    };
  }
  try {
    const status = await new Promise<string>((resolve, reject) => {
      (client as unknown as { Check: CheckFn }).Check(
        { service: o.service },
        { deadline: Date.now() + o.timeoutMs },
        (error, reply) => (error ? reject(error) : resolve(String(reply?.status))),
      );
    });
    return { serving: status === 'SERVING', message: status };
  } catch (error) {
    return { serving: false, message: (error as grpc.ServiceError).details || (error as Error).message };
  } finally {
    client.close();
  }
}

type CheckFn = (
  request: { service: string },
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, reply?: { status: string }) => void,
) => void;
