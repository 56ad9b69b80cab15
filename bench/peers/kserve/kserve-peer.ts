import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../../free-port.js';
import { venvPython } from '../../tools.js';
import type { Peer, PeerModel, PeerServer } from '../peer.js';
import { startPeerProcess } from '../peer-process.js';
import { pythonPackageVersion } from '../python-package-version.js';
import { PEERS_SOURCE_DIR, TRITON_MODELS_ENV, writeTritonModels } from '../triton-models-file.js';

/**
 * The KServe Python model server (`kserve.ModelServer`) with onnx_model_server.py's
 * OnnxRuntimeModel, at its defaults (one worker, four gRPC threads, synchronous `predict` on the
 * event loop) except that per-request log lines are off (`--enable_latency_logging false`,
 * KSERVE_LOGLEVEL=WARNING), as shardmesh logs nothing per request at warn level.
 */
export const KSERVE: Peer = {
  id: 'kserve',
  label: 'KServe',
  configuration:
    '`kserve.ModelServer`, `kserve.Model` subclass `bench/peers/kserve/onnx_model_server.py` ' +
    '(ONNX Runtime, intra-op 1, inter-op 1, sequential); defaults: 1 worker, 4 gRPC threads, no batching; ' +
    'per-request logging off; gRPC in plaintext',
  version: () => pythonPackageVersion(venvPython('kserve'), 'kserve'),
  async start(models: readonly PeerModel[], workDir: string): Promise<PeerServer> {
    const dir = path.join(workDir, 'kserve');
    await mkdir(dir, { recursive: true });
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const modelsFile = await writeTritonModels(dir, models);
    return startPeerProcess({
      command: venvPython('kserve'),
      args: [
        path.join(PEERS_SOURCE_DIR, 'kserve', 'onnx_model_server.py'),
        ...models.flatMap((m) => ['--model', `${m.name}=${m.file}`]),
        '--grpc_port',
        String(grpcPort),
        '--http_port',
        String(httpPort),
        '--enable_latency_logging',
        'false',
      ],
      env: {
        ...process.env,
        [TRITON_MODELS_ENV]: modelsFile,
        KSERVE_LOGLEVEL: 'WARNING',
        // Imported from the source tree, which must not gain __pycache__ folders.
        PYTHONDONTWRITEBYTECODE: '1',
      },
      logFile: path.join(workDir, 'kserve.log'),
      address: `127.0.0.1:${grpcPort}`,
      models: models.map((m) => m.name),
    });
  },
};
