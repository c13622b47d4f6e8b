import { randn, nn, optim, F, manualSeed, noGrad } from "kestrel";

manualSeed(0);
const x = randn([200, 2]);                                    // 200 points in the plane
const y = x.select(1, 0).mul(x.select(1, 1)).gt(0).int();     // label: same-sign quadrants (XOR)
const model = new nn.Sequential(new nn.Linear(2, 32), new nn.ReLU(), new nn.Linear(32, 2));
const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
for (let step = 1; step <= 300; step++) {
  const loss = F.crossEntropy(model.forward(x), y);
  opt.zeroGrad(); loss.backward(); opt.step();
  if (step % 100 === 0) console.log(`step ${step}  loss ${loss.item().toFixed(4)}`);
}
const acc = noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item());
console.log(`training accuracy ${(acc * 100).toFixed(1)}%`);
