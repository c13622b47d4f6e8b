"""PyTorch contender for Kestrel's benchmark harness (bench/run.ts).

Run with /usr/bin/python3 (PyTorch 1.13), 2 intra-op threads. Speaks the harness protocol:
one JSON request per stdin line, one JSON reply per stdout line prefixed "@@bench "
(see bench/workers/protocol.ts). Same benchmark ids and shapes as bench/specs.ts; models
mirror bench/models/ (reference CNN; ResNet-20 with 1x1-conv + BN shortcuts).
Standalone: `python3 bench/torch_bench.py --once cnn28_train` prints one JSON line of times.
"""
import json, resource, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
CONV = {"convA": (64, 3, 32, 32, 32), "convB": (64, 64, 64, 16, 16)}  # N, C, OC, H, W


def ref_cnn(c, hw):
    flat = 64 * (hw // 4) ** 2
    return nn.Sequential(
        nn.Conv2d(c, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(flat, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


class Block(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.conv1 = nn.Conv2d(i, o, 3, s, 1, bias=False); self.bn1 = nn.BatchNorm2d(o)
        self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); self.bn2 = nn.BatchNorm2d(o)
        self.shortcut = nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o)) if s != 1 or i != o else None

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (self.shortcut(x) if self.shortcut is not None else x))


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False); self.bn = nn.BatchNorm2d(16)
        blocks, i = [], 16
        for o, s in ((16, 1), (32, 2), (64, 2)):
            for j in range(3):
                blocks.append(Block(i, o, s if j == 0 else 1)); i = o
        self.layers = nn.Sequential(*blocks); self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(self.layers(F.relu(self.bn(self.conv(x)))).mean((2, 3)))


def trainer(model, x, y):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(); loss.backward(); opt.step()
    return step


def make(bench):
    torch.manual_seed(0)
    if bench.startswith("sgemm"):
        n = int(bench[5:]); a, b = torch.randn(n, n), torch.randn(n, n)
        return lambda: torch.mm(a, b)
    if bench.startswith("conv"):
        key, kind = bench.split("_")
        N, C, OC, H, W = CONV[key]
        x, w = torch.randn(N, C, H, W), torch.randn(OC, C, 3, 3) * 0.1
        if kind == "fwd":
            return lambda: F.conv2d(x, w, padding=1)
        g = torch.randn(N, OC, H, W)
        # aten's convolution_backward: the kernel autograd runs for conv2d (input + weight grads).
        return lambda: torch.ops.aten.convolution_backward(g, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [True, True, False])
    if bench in ("cnn28_train", "cnn32_train"):
        c, hw = (1, 28) if bench == "cnn28_train" else (3, 32)
        return trainer(ref_cnn(c, hw), torch.randn(64, c, hw, hw), torch.randint(0, 10, (64,)))
    if bench == "resnet20_train_b128":
        return trainer(ResNet20(), torch.randn(128, 3, 32, 32), torch.randint(0, 10, (128,)))
    if bench.startswith("resnet20_infer_b"):
        model, x = ResNet20().eval(), torch.randn(int(bench[16:]), 3, 32, 32)
        def infer():
            with torch.no_grad():
                return model(x)
        return infer
    raise ValueError("unknown benchmark " + bench)


def reply(obj):
    sys.stdout.write("@@bench " + json.dumps(obj) + "\n"); sys.stdout.flush()


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def serve():
    live = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            cmd, bench = req["cmd"], req.get("bench")
            if cmd == "info":
                reply({"ok": True, "info": {"name": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(), "python": sys.version.split()[0]}})
            elif cmd == "setup":
                step = make(bench); t0 = time.perf_counter()
                for i in range(5):  # warm-up: as bench/workers/protocol.ts (3 iterations unless the first took > 10 s)
                    step()
                    el = (time.perf_counter() - t0) * 1e3
                    if (i >= 2 and el > req.get("warmMs", 300)) or el > 10e3:
                        break
                live[bench] = step
                reply({"ok": True, "warmMs": (time.perf_counter() - t0) * 1e3})
            elif cmd == "run":
                step, times, t0 = live[bench], [], time.perf_counter()
                while len(times) < req.get("maxIters", 1):
                    t = time.perf_counter(); step(); times.append((time.perf_counter() - t) * 1e3)
                    if (time.perf_counter() - t0) * 1e3 >= req.get("budgetMs", 0):
                        break
                reply({"ok": True, "times": times, "rssMB": rss_mb()})
            elif cmd == "free":
                live.pop(bench, None)
                reply({"ok": True, "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            elif cmd == "exit":
                reply({"ok": True}); return
            else:
                raise ValueError("unknown command " + cmd)
        except Exception as e:  # reported as "n/a (why)" in the table
            reply({"ok": False, "na": str(e).split("\n")[0][:120]})


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--once":
        step = make(sys.argv[2]); step()
        times = []
        for _ in range(5):
            t = time.perf_counter(); step(); times.append((time.perf_counter() - t) * 1e3)
        print(json.dumps({"bench": sys.argv[2], "times_ms": times}))
    else:
        serve()
