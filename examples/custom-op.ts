/**
 * A custom op (swish, y = x·σ(x)) with a deliberately wrong backward inside a small conv network: gradcheck
 * finds that the network's gradient is wrong and names the op, its input and the element where it goes wrong.
 */
import { customOp, conv2d, sigmoid, mul, add, sub, gradcheck, GradcheckError, randn, Generator, type Tensor } from '../src/index.js';

/** swish(x) = x·σ(x); dy/dx = σ(x)·(1 + x·(1 − σ(x))). `buggy` forgets the second term. */
const makeSwish = (buggy: boolean) =>
  customOp(buggy ? 'buggySwish' : 'swish', {
    inputNames: ['features'],
    forward(ctx, x: Tensor) {
      ctx.save(x);
      return mul(x, sigmoid(x));
    },
    backward(ctx, gy) {
      const [x] = ctx.saved;
      const s = sigmoid(x);
      const dydx = buggy ? s : mul(s, add(1, mul(x, sub(1, s))));
      return [mul(gy, dydx)];
    },
  });

const g = new Generator(0);
const f64 = (shape: number[]): Tensor => randn(shape, { dtype: 'float64', generator: g });
const inputs = [f64([1, 2, 6, 6]), f64([4, 2, 3, 3]), f64([2, 4, 3, 3])];
const network = (swish: (x: Tensor) => Tensor) => (x: Tensor, w1: Tensor, w2: Tensor): Tensor =>
  conv2d(swish(conv2d(x, w1, null, { padding: 1 })), w2);

gradcheck(network(makeSwish(false)), inputs, { names: ['x', 'w1', 'w2'] });
console.log('swish: gradcheck passed');
try {
  gradcheck(network(makeSwish(true)), inputs, { names: ['x', 'w1', 'w2'] });
} catch (e) {
  if (!(e instanceof GradcheckError)) throw e;
  console.log(e.message);
}
