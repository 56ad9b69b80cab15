import * as ort from 'onnxruntime-node';
import { datatypeFromOrt, DATATYPES } from '../../lib/tensor/dtype.js';
import type { Tensor, TensorSpec } from '../../lib/tensor/tensor.js';
import { bytesOf, typedView, type TypedArray } from '../../lib/tensor/typed-view.js';
import type { ModelRunner } from './model-runner.js';

export interface OrtRunnerOptions {
  /** Threads ONNX Runtime uses inside one operator. @default 1, so replicas on one host don't fight */
  readonly intraOpThreads?: number;
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
      feeds[t.name] = new ort.Tensor(
        DATATYPES[t.datatype].ort as ort.Tensor.Type,
        typedView(t.datatype, t.data) as never,
        [...t.shape],
      );
    }
    const results = await this.session.run(feeds);
    return this.outputNames.map((name) => {
      const out = results[name]!;
      return {
        name,
        datatype: datatypeFromOrt(out.type),
        shape: out.dims.map(Number),
        data: bytesOf(out.data as TypedArray),
      };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
