"""PyTorch counterpart of bench/lstm.ts: one LSTM layer, seq 64, batch 32, input 256, hidden 256;
a step is forward + MSE loss + backward + Adam. 2 intra-op threads (the machine's Kestrel budget).

    /usr/bin/python3 bench/lstm_torch.py [--steps N] [--warmup N]
"""
import argparse, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
SEQ, BATCH, INPUT, HIDDEN = 64, 32, 256, 256
p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=20)
p.add_argument("--warmup", type=int, default=3)
a = p.parse_args()
torch.manual_seed(0)
lstm = nn.LSTM(INPUT, HIDDEN)
opt = torch.optim.Adam(lstm.parameters(), lr=1e-3)
x = torch.randn(SEQ, BATCH, INPUT)
target = torch.randn(SEQ, BATCH, HIDDEN)
times = []
for s in range(a.warmup + a.steps):
    t0 = time.perf_counter()
    opt.zero_grad()
    out, _ = lstm(x)
    F.mse_loss(out, target).backward()
    opt.step()
    if s >= a.warmup:
        times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(f"LSTM training step: seq {SEQ}, batch {BATCH}, input {INPUT}, hidden {HIDDEN}, 1 layer, MSE + Adam; median of {a.steps} steps")
print(f"pytorch {torch.__version__} (2 threads): {times[len(times) // 2]:.1f} ms/step")
