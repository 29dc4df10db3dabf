/** Serving: the exported model.onnx run by onnxruntime-node (CPU). */
import * as ort from 'onnxruntime-node';

export class OnnxChurnScorer {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly features: number,
  ) {}

  static async load(bytesOrPath: Uint8Array | string, features: number): Promise<OnnxChurnScorer> {
    const session =
      typeof bytesOrPath === 'string'
        ? await ort.InferenceSession.create(bytesOrPath, { intraOpNumThreads: 1, interOpNumThreads: 1 })
        : await ort.InferenceSession.create(bytesOrPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new OnnxChurnScorer(session, features);
  }

  /** Churn probabilities of row-major feature rows. */
  async score(x: Float64Array | Float32Array): Promise<Float64Array> {
    const n = x.length / this.features;
    if (n === 0) return new Float64Array(0);
    const input = new ort.Tensor('float32', Float32Array.from(x), [n, this.features]);
    const out = await this.session.run({ features: input });
    const probs = out.probabilities?.data as Float32Array;
    const result = new Float64Array(n);
    for (let i = 0; i < n; i++) result[i] = probs[i * 2 + 1] as number;
    return result;
  }
}
