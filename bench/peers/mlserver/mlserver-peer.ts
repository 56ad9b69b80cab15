import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../../free-port.js';
import { venvPython } from '../../tools.js';
import type { Peer, PeerModel, PeerServer } from '../peer.js';
import { startPeerProcess } from '../peer-process.js';
import { pythonPackageVersion } from '../python-package-version.js';
import { PEERS_SOURCE_DIR, TRITON_MODELS_ENV, writeTritonModels } from '../triton-models-file.js';

/**
 * MLServer as shipped, with one inference worker process (`parallel_workers: 1`, its default)
 * hosting onnx_runtime.py's OnnxRuntimeModel. Request logging (`debug`) and the Prometheus
 * interceptor (`metrics_endpoint`) are off, as shardmesh logs nothing per request at warn level and
 * has no metrics on the request path. Adaptive batching stays off (`max_batch_size` 0, its default).
 */
export const MLSERVER: Peer = {
  id: 'mlserver',
  label: 'MLServer',
  configuration:
    '`mlserver start`, custom runtime `bench/peers/mlserver/onnx_runtime.py` (ONNX Runtime, ' +
    'intra-op 1, inter-op 1, sequential); `parallel_workers: 1` (its default: one inference worker process ' +
    'behind the gRPC front process), adaptive batching off, `debug: false`, metrics off; gRPC in plaintext',
  version: () => pythonPackageVersion(venvPython('mlserver'), 'mlserver'),
  async start(models: readonly PeerModel[], workDir: string): Promise<PeerServer> {
    const dir = path.join(workDir, 'mlserver');
    await mkdir(dir, { recursive: true });
    const [grpcPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    await writeFile(
      path.join(dir, 'settings.json'),
      JSON.stringify(
        {
          host: '127.0.0.1',
          grpc_port: grpcPort,
          http_port: httpPort,
          metrics_port: metricsPort,
          metrics_endpoint: null,
          parallel_workers: 1,
          debug: false,
        },
        null,
        2,
      ),
    );
    for (const model of models) {
      await mkdir(path.join(dir, model.name), { recursive: true });
      await writeFile(
        path.join(dir, model.name, 'model-settings.json'),
        JSON.stringify(
          {
            name: model.name,
            implementation: 'onnx_runtime.OnnxRuntimeModel',
            parameters: { uri: model.file, version: '1' },
            max_batch_size: 0,
            inputs: model.inputs,
            outputs: model.outputs,
          },
          null,
          2,
        ),
      );
    }
    const modelsFile = await writeTritonModels(dir, models);
    return startPeerProcess({
      command: venvPython('mlserver'),
      args: [path.join(PEERS_SOURCE_DIR, 'mlserver', 'serve.py'), dir],
      env: {
        ...process.env,
        [TRITON_MODELS_ENV]: modelsFile,
        // Imported from the source tree, which must not gain __pycache__ folders.
        PYTHONDONTWRITEBYTECODE: '1',
        // The runtime class is imported by name, in the front process and in the worker.
        PYTHONPATH: path.join(PEERS_SOURCE_DIR, 'mlserver'),
      },
      logFile: path.join(workDir, 'mlserver.log'),
      address: `127.0.0.1:${grpcPort}`,
      models: models.map((m) => m.name),
    });
  },
};
