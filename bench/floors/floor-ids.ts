/** Target ids of the overhead suite's grpc-js floors, as its results and the goals table name them. */
export const GRPC_FLOOR_MTLS = 'grpc-js-floor-mtls';
export const GRPC_FLOOR_PLAINTEXT = 'grpc-js-floor-plaintext';
export const RELAY_FLOOR = 'grpc-js-relay-floor';
