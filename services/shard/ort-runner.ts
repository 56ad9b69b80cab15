import * as ort from 'onnxruntime-node';
import { datatypeFromOrt, DATATYPES } from '../../lib/tensor/dtype.js';
import type { Tensor, TensorSpec } from '../../lib/tensor/tensor.js';
import type { ModelRunner } from './model-runner.js';

export interface OrtRunnerOptions {
  /** Threads ONNX Runtime uses inside one operator. @default 1, so replicas on one host don't fight */
  readonly intraOpThreads?: number;
}

type OrtData = ort.Tensor['data'];

/** A typed-array view over a buffer, copying only when the buffer is misaligned for the type. */
function view(tensor: Tensor): OrtData {
  const { data } = tensor;
  const width = DATATYPES[tensor.datatype].bytes;
  const bytes = data.byteOffset % width === 0 ? data : Buffer.from(data);
  const n = bytes.byteLength / width;
  const args = [bytes.buffer, bytes.byteOffset, n] as const;
  switch (tensor.datatype) {
    case 'FP32':
      return new Float32Array(...args);
    case 'FP64':
      return new Float64Array(...args);
    case 'INT64':
      return new BigInt64Array(...args);
    case 'UINT64':
      return new BigUint64Array(...args);
    case 'INT32':
      return new Int32Array(...args);
    case 'UINT32':
      return new Uint32Array(...args);
    case 'INT16':
      return new Int16Array(...args);
    case 'UINT16':
    case 'FP16':
      return new Uint16Array(...args);
    case 'INT8':
      return new Int8Array(...args);
    case 'UINT8':
    case 'BOOL':
      return new Uint8Array(...args);
  }
}

function toBuffer(data: OrtData): Buffer {
  const typed = data as ArrayBufferView;
  return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
}

/**
 * ONNX Runtime on CPU. Graph optimisations stay at ORT's default ('all'): the splitter keeps the
 * partitions' op structure equal to the unsplit graph's, so both fuse alike and `concat` gathers
 * stay bitwise equal to the unsplit model. A run cannot be stopped once started (onnxruntime-node
 * runs it synchronously), so `run` takes no signal: the shard drops a cancelled call's outputs.
 */
export class OrtRunner implements ModelRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly TensorSpec[],
    readonly outputNames: readonly string[],
    readonly weightBytes: number,
  ) {}

  static async load(file: string, weightBytes: number, options: OrtRunnerOptions = {}): Promise<OrtRunner> {
    const session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: options.intraOpThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    const inputs = session.inputNames.map((name, i) => {
      const meta = session.inputMetadata[i];
      if (!meta || !meta.isTensor) throw new TypeError(`${file}: input ${name} is not a tensor`);
      const shape = meta.shape.map((d) => (typeof d === 'number' ? d : -1));
      return { name, datatype: datatypeFromOrt(meta.type), shape };
    });
    return new OrtRunner(session, inputs, session.outputNames, weightBytes);
  }

  async run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) {
      feeds[t.name] = new ort.Tensor(DATATYPES[t.datatype].ort as ort.Tensor.Type, view(t) as never, [
        ...t.shape,
      ]);
    }
    const results = await this.session.run(feeds);
    return this.outputNames.map((name) => {
      const out = results[name]!;
      return {
        name,
        datatype: datatypeFromOrt(out.type),
        shape: out.dims.map(Number),
        data: toBuffer(out.data),
      };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
