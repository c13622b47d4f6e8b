// The reference CNN for Kestrel (b64; 1×28×28 or 3×32×32 input):
// conv3×3(→32)+BN+ReLU+maxpool2, conv3×3(32→64)+BN+ReLU+maxpool2, flatten, linear(→128)+ReLU,
// dropout 0.25, linear(→10). Trained with F.crossEntropy + optim.Adam (see trainStep).
import { nn, optim, F, Tensor } from "../../src/index.js";

/** Build the reference CNN for `inC` input channels of `hw`×`hw` images. */
export function refCnn(inC: number, hw: number): nn.Sequential {
  const flat = 64 * Math.floor(Math.floor(hw / 2) / 2) ** 2; // two 2×2 max-pools
  return new nn.Sequential(
    new nn.Conv2d(inC, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.BatchNorm2d(64), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(flat, 128), new nn.ReLU(), new nn.Dropout(0.25),
    new nn.Linear(128, 10),
  );
}

/** One training step: forward, cross-entropy, backward, Adam update. Returns the loss tensor. */
export function trainStep(model: nn.Module, opt: optim.Adam, x: Tensor, y: Tensor): Tensor {
  const loss = F.crossEntropy(model.forward(x) as Tensor, y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss;
}
