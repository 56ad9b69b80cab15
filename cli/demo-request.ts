import { DEMO_INPUT_WIDTH } from '../partition/models/demo-models.js';

/** A ModelInfer request for the demo model in grpcurl's JSON form (typed contents, no raw bytes). */
export function demoRequestJson(): string {
  const values = Array.from({ length: DEMO_INPUT_WIDTH }, (_, i) => Number(((i + 1) / 10).toFixed(1)));
  return JSON.stringify({
    model_name: 'mlp',
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [1, DEMO_INPUT_WIDTH], contents: { fp32_contents: values } },
    ],
  });
}
