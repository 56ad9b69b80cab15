import type { Command } from 'commander';
import { storeTlsFiles } from '../../certs/store.js';
import { isDatatype, type Datatype } from '../../lib/tensor/dtype.js';
import { InferenceClient } from '../inference-client.js';
import { parseAddress, parseCount, parseSeed } from '../option-parsers.js';
import { DEFAULT_CERTS_DIR } from '../paths.js';
import { rawContents, seededValues, shownValues, type ShownValue } from '../seeded-tensor.js';

interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** A tensor as `infer --json` prints it. */
interface ShownTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: ShownValue[];
}

interface SeededInput extends ShownTensor {
  datatype: Datatype;
}

const count = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

function shownLine(t: ShownTensor): string {
  const first = t.data
    .slice(0, 6)
    .map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(6) : String(v)));
  return `${t.name} ${t.datatype} [${t.shape.join(',')}] first ${first.join(' ')}`;
}

export function registerInferCommand(program: Command): void {
  program
    .command('infer')
    .description(
      'send one inference with seeded inputs (floats in [-1, 1), integers and BYTES numbers in [0, 9]) and print its outputs',
    )
    .argument('<model>', 'model name')
    .option('--address <host:port>', 'router address', parseAddress, '127.0.0.1:8001')
    .option('--certs <dir>', 'certificate store', DEFAULT_CERTS_DIR)
    .option('--name <name>', 'client certificate name', 'client')
    .option('--batch <n>', 'size of dynamic dims', parseCount, 1)
    .option('--seed <n>', 'seed of the inputs: input i is seeded with N + i', parseSeed, 1)
    .option('--json', 'print one JSON object with every input and output value, for scripts', false)
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
          const inputs: SeededInput[] = meta.inputs.map((t, i) => {
            if (!isDatatype(t.datatype))
              throw new TypeError(`input ${t.name} is ${t.datatype}, which infer cannot fill`);
            const shape = t.shape.map((d) => (d < 0 ? o.batch : Number(d)));
            return {
              name: t.name,
              datatype: t.datatype,
              shape,
              data: seededValues(t.datatype, count(shape), o.seed + i),
            };
          });
          const started = performance.now();
          const response = await client.call<{ outputs: TensorMetadata[]; raw_output_contents: Buffer[] }>(
            'ModelInfer',
            {
              model_name: model,
              inputs: inputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
              raw_input_contents: inputs.map((t) => rawContents(t.datatype, t.data)),
            },
          );
          const ms = performance.now() - started;
          // The router answers raw contents whatever form the inputs took (grpc_service.proto).
          const outputs: ShownTensor[] = response.outputs.map((out, i) => {
            const shape = out.shape.map(Number);
            const data = shownValues(out.datatype, response.raw_output_contents[i]!, count(shape));
            return { name: out.name, datatype: out.datatype, shape, data };
          });
          if (o.json) {
            console.log(JSON.stringify({ model, inputs, outputs, ms }));
            return;
          }
          for (const out of outputs) console.log(shownLine(out));
          console.log(`${ms.toFixed(1)} ms`);
        } finally {
          client.close();
        }
      },
    );
}
