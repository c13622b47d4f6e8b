# PyTorch's time per Fashion-MNIST epoch for the model `kestrel train --model resnet20` trains:
# CIFAR ResNet-20 (He et al. 2015, option-A shortcuts: subsample + zero-pad channels), 1×28×28
# input, batch 128, SGD (momentum 0.9, weight decay 5e-4), cross-entropy. Pure training steps on
# random batches (no data loading), 2 threads, median of the timed steps × 469 steps/epoch.
#   /usr/bin/python3 bench/resnet20_epoch_torch.py [steps]
import sys, time, statistics, torch, torch.nn as nn, torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)

class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); self.bn2 = nn.BatchNorm2d(cout)
        self.stride, self.pad = stride, cout - cin
    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        sc = x
        if self.stride != 1 or self.pad:
            sc = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(out + sc)

class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False); self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(3):
                layers.append(Block(cin, cout, stride if i == 0 else 1)); cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, 10)
    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(x.mean((2, 3)))

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 40
model = ResNet20()
print("parameters", sum(p.numel() for p in model.parameters()))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
times = []
for i in range(steps + 5):
    t0 = time.perf_counter()
    opt.zero_grad(); F.cross_entropy(model(x), y).backward(); opt.step()
    if i >= 5: times.append(time.perf_counter() - t0)
ms = statistics.median(times) * 1e3
print(f"torch {torch.__version__} resnet20 1x28x28 b128 train step: median {ms:.1f} ms = {128e3 / ms:.0f} img/s; epoch (469 steps) {469 * ms / 1e3:.1f} s")
