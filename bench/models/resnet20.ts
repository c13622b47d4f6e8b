// ResNet-20 for CIFAR (He et al. 2015, §4.2) for Kestrel: a 3×3 conv with 16 channels, three
// stages of 3 basic blocks (16, 32, 64 channels; stride 2 at the start of stages 2 and 3),
// global average pooling and a linear layer to 10 classes. Shortcuts where the shape changes
// are 1×1 conv (stride 2) + BN ("option B"), identical in the PyTorch, tfjs and ONNX versions.
import { nn, Tensor } from "../../src/index.js";
const { batchNormReLU, addReLU } = nn;

class BasicBlock extends nn.Module {
  conv1: nn.Conv2d; bn1: nn.BatchNorm2d; conv2: nn.Conv2d; bn2: nn.BatchNorm2d;
  shortcut: nn.Sequential | null;
  constructor(inC: number, outC: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(inC, outC, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(outC);
    this.conv2 = new nn.Conv2d(outC, outC, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(outC);
    this.shortcut = stride !== 1 || inC !== outC
      ? new nn.Sequential(new nn.Conv2d(inC, outC, 1, { stride, bias: false }), new nn.BatchNorm2d(outC))
      : null;
  }
  override forward(x: Tensor): Tensor {
    const out = this.bn2.forward(this.conv2.forward(batchNormReLU(this.bn1, null, this.conv1.forward(x))));
    const sc = this.shortcut ? (this.shortcut.forward(x) as Tensor) : x;
    return addReLU(out, sc);
  }
}

class ResNet20 extends nn.Module {
  conv: nn.Conv2d; bn: nn.BatchNorm2d; layers: nn.Sequential; fc: nn.Linear;
  constructor(numClasses = 10) {
    super();
    this.conv = new nn.Conv2d(3, 16, 3, { padding: 1, bias: false });
    this.bn = new nn.BatchNorm2d(16);
    const blocks: nn.Module[] = [];
    let inC = 16;
    for (const [outC, stride] of [[16, 1], [32, 2], [64, 2]]) {
      for (let i = 0; i < 3; i++) { blocks.push(new BasicBlock(inC, outC, i === 0 ? stride : 1)); inC = outC; }
    }
    this.layers = new nn.Sequential(...blocks);
    this.fc = new nn.Linear(64, numClasses);
  }
  override forward(x: Tensor): Tensor {
    const h = this.layers.forward(batchNormReLU(this.bn, null, this.conv.forward(x))) as Tensor;
    return this.fc.forward(h.mean([2, 3]));
  }
}

/** A fresh ResNet-20 (CIFAR, 1×1-conv shortcuts), 272,474 parameters. */
export function resnet20(): nn.Module {
  return new ResNet20();
}
