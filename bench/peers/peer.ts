import type { TensorSpecJson } from '../../lib/plan/schema.js';

/** A model a peer serves: the same .onnx file the router's whole-model plan was cut from. */
export interface PeerModel {
  readonly name: string;
  readonly file: string;
  /** As the plan lists them (dynamic dims -1), for ModelMetadata / ModelConfig. */
  readonly inputs: readonly TensorSpecJson[];
  readonly outputs: readonly TensorSpecJson[];
}

/** A model server the benchmark compares shardmesh with, serving V2 gRPC in plaintext on loopback. */
export interface PeerServer {
  /** host:port of its V2 gRPC endpoint. */
  readonly address: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** How a peer is started; each peer folder has one. */
export interface Peer {
  /** As reports name it, e.g. "MLServer 1.7.1". */
  readonly label: string;
  /** Key in results, e.g. "mlserver". */
  readonly id: string;
  /** Its version, read from its virtual environment; throws when it is not installed. */
  version(): Promise<string>;
  start(models: readonly PeerModel[], workDir: string): Promise<PeerServer>;
  /** How it was configured, for the report. */
  readonly configuration: string;
}
