/**
 * Adam (Kingma & Ba 2015) with TensorFlow's defaults and bias correction, as Lucid's render_vis
 * uses (`tf.train.AdamOptimizer(0.05)`). `ascend` moves the parameters *up* the gradient.
 */
export class Adam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;

  constructor(
    size: number,
    readonly learningRate = 0.05,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  ascend(params: Float32Array, grad: Float32Array) {
    this.t++;
    const { m, v, beta1, beta2, epsilon } = this;
    const lr = (this.learningRate * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    for (let i = 0; i < params.length; i++) {
      const g = grad[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      params[i] += (lr * m[i]) / (Math.sqrt(v[i]) + epsilon);
    }
  }
}
