import type { Command } from 'commander';
import { storeTlsFiles } from '../../certs/store.js';
import { InferenceClient } from '../inference-client.js';
import { mulberry32 } from '../../lib/random.js';
import { parseAddress, parseCount, parseSeed } from '../option-parsers.js';
import { DEFAULT_CERTS_DIR } from '../paths.js';

interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** Seeded values in [-1, 1), so two runs send the same request. */
function seededValues(count: number, seed: number): number[] {
  const next = mulberry32(seed);
  return Array.from({ length: count }, () => next() * 2 - 1);
}

export function registerInferCommand(program: Command): void {
  program
    .command('infer')
    .description('send one inference with seeded random FP32 inputs and print its FP32 outputs')
    .argument('<model>', 'model name')
    .option('--address <host:port>', 'router address', parseAddress, '127.0.0.1:8001')
    .option('--certs <dir>', 'certificate store', DEFAULT_CERTS_DIR)
    .option('--name <name>', 'client certificate name', 'client')
    .option('--batch <n>', 'size of dynamic dims', parseCount, 1)
    .option('--seed <n>', 'seed of the random inputs', parseSeed, 1)
    .option('--json', 'print one JSON object with every output value, for scripts', false)
    .action(
      async (
        model: string,
        o: { address: string; certs: string; name: string; batch: number; seed: number; json: boolean },
      ) => {
        const client = await InferenceClient.connect(o.address, storeTlsFiles(o.certs, o.name));
        try {
          const meta = await client.call<{ inputs: TensorMetadata[]; outputs: TensorMetadata[] }>(
            'ModelMetadata',
            { name: model, version: '' },
          );
          const inputs = meta.inputs.map((t, i) => {
            const shape = t.shape.map((d) => (d < 0 ? o.batch : d));
            const count = shape.reduce((n, d) => n * d, 1);
            if (t.datatype !== 'FP32')
              throw new TypeError(`input ${t.name} is ${t.datatype}; infer fills FP32 inputs only`);
            return {
              name: t.name,
              datatype: t.datatype,
              shape,
              contents: { fp32_contents: seededValues(count, o.seed + i) },
            };
          });
          const started = performance.now();
          const response = await client.call<{ outputs: TensorMetadata[]; raw_output_contents: Buffer[] }>(
            'ModelInfer',
            { model_name: model, inputs },
          );
          const ms = performance.now() - started;
          // The router answers raw contents whatever form the inputs took (grpc_service.proto).
          const valuesOf = (i: number): number[] => {
            const { name, datatype } = response.outputs[i]!;
            if (datatype !== 'FP32')
              throw new TypeError(`output ${name} is ${datatype}; infer prints FP32 outputs only`);
            const raw = response.raw_output_contents[i]!;
            return Array.from(new Float32Array(Uint8Array.from(raw).buffer));
          };
          if (o.json) {
            const outputs = response.outputs.map((out, i) => ({
              name: out.name,
              datatype: out.datatype,
              shape: out.shape.map(Number),
              data: valuesOf(i),
            }));
            console.log(JSON.stringify({ model, outputs, ms }));
            return;
          }
          for (const [i, out] of response.outputs.entries()) {
            const values = valuesOf(i);
            console.log(
              `${out.name} ${out.datatype} [${out.shape.join(',')}] first ${values
                .slice(0, 6)
                .map((v) => v.toPrecision(6))
                .join(' ')}`,
            );
          }
          console.log(`${ms.toFixed(1)} ms`);
        } finally {
          client.close();
        }
      },
    );
}
