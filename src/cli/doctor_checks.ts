// The checks of `kestrel doctor` (CS231n lecture 6, "babysitting the learning process"), each a
// function of a model factory and data that returns a verdict with its numbers. Thresholds and
// why they are what they are are stated beside each check.

import { F, noGrad, Tensor, type nn, type optim } from "../index.js";

export type Verdict = "PASS" | "WARN" | "FAIL";
export interface CheckResult {
  name: string;
  verdict: Verdict;
  /** One line with the numbers. */
  detail: string;
  /** Further lines (tables), printed indented. */
  lines?: string[];
}

/** A fresh model (same seed every call) and an optimizer over it. */
export interface Setup {
  fresh(): nn.Module;
  optimizer(params: Tensor[], over: { lr?: number; weightDecay?: number }): optim.Optimizer<optim.BaseOptions>;
  numClasses: number;
  lr: number;
}

/** Turns off dropout-like layers (Dropout*, DropConnect, DropPath/StochasticDepth): "regularisation off". */
export function disableDropout(model: nn.Module): void {
  for (const m of model.modules()) if (m !== model && /drop|stochasticdepth/i.test(m.getName())) m.eval();
}

/**
 * Lets the event loop run between steps: storage of collected tensors is recycled by finalizers,
 * which run only between tasks, so a tight synchronous loop would keep every step's memory.
 */
const nextTask = (): Promise<void> => new Promise((r) => setImmediate(r));

const f = (v: number, d = 4): string => (Number.isFinite(v) ? v.toFixed(d) : String(v));
const e2 = (v: number): string => (v === 0 ? "0" : Number.isFinite(v) ? v.toExponential(2) : String(v));

/**
 * Initial loss ≈ ln C. With small random logits z the softmax is near uniform and the expected
 * cross-entropy is ln C + (1 − 1/C)·σ²/2 + O(σ⁴) (second-order expansion of logsumexp, σ² the
 * spread of the logits across classes). Tolerance in nats: |L − ln C| ≤ 0.25 means the true
 * class gets on average within a factor e^0.25 ≈ 1.28 of 1/C (logit spread σ ≲ 0.7): PASS.
 * Up to 1 nat (a factor e): WARN. Beyond: FAIL — the initialisation or the loss is wrong.
 */
export function checkInitialLoss(s: Setup, x: Tensor, y: Tensor): CheckResult {
  const model = s.fresh();
  model.train();
  disableDropout(model);
  const { loss, spread } = noGrad(() => {
    const z = model.forward(x) as Tensor;
    return { loss: F.crossEntropy(z, y).item(), spread: z.std(1).mean().item() };
  });
  const lnC = Math.log(s.numClasses), d = loss - lnC;
  const verdict: Verdict = !Number.isFinite(loss) ? "FAIL" : Math.abs(d) <= 0.25 ? "PASS" : Math.abs(d) <= 1 ? "WARN" : "FAIL";
  return {
    name: "initial loss ≈ ln C", verdict,
    detail: `loss ${f(loss)} vs ln(${s.numClasses}) = ${f(lnC)}: Δ ${d >= 0 ? "+" : ""}${f(d, 3)} nats (PASS ≤ 0.25, WARN ≤ 1); logit spread σ ${f(spread, 3)}${spread < 1.5 ? ` predicts Δ ≈ ${f((1 - 1 / s.numClasses) * spread * spread / 2, 3)}` : " (far from uniform predictions)"}`,
  };
}

/** Full-batch training on (x, y) for `steps` steps; returns the last data loss and accuracy. */
async function fitSmall(s: Setup, x: Tensor, y: Tensor, steps: number, weightDecay: number): Promise<{ loss: number; acc: number; steps: number }> {
  const model = s.fresh();
  model.train();
  disableDropout(model);
  const opt = s.optimizer(model.parameters(), { weightDecay });
  let loss = NaN, acc = 0, k = 0;
  for (k = 1; k <= steps; k++) {
    opt.zeroGrad();
    const z = model.forward(x) as Tensor;
    const l = F.crossEntropy(z, y);
    loss = l.item();
    if (!Number.isFinite(loss)) break;
    l.backward();
    opt.step();
    await nextTask();
  }
  // The final numbers, after the last step, in the same (train) mode.
  noGrad(() => {
    const z = model.forward(x) as Tensor;
    loss = F.crossEntropy(z, y).item();
    acc = z.argmax(1).eq(y).float().mean().item();
  });
  return { loss, acc, steps: k - 1 };
}

/**
 * Overfit a tiny set (lecture 6: "take the first 20 examples, turn off regularisation, you
 * should reach ~100% training accuracy"). PASS: ≥ 95% (19 of 20) with loss below 0.1·ln C;
 * WARN: ≥ 80%; FAIL below — the model or the optimizer cannot fit even 20 images.
 * Also the regularisation check: the same run with a strong weight decay λ (chosen so that
 * lr·λ·steps = 5, i.e. weights would shrink by e⁻⁵ without the data term) must end with a
 * clearly higher data loss (PASS: ≥ 0.1 nats higher; WARN: higher; FAIL: not higher, so the
 * weight decay has no effect).
 */
export async function checkOverfitAndRegularisation(s: Setup, x: Tensor, y: Tensor, steps: number): Promise<CheckResult[]> {
  const a = await fitSmall(s, x, y, steps, 0);
  const lnC = Math.log(s.numClasses);
  const n = x.shape[0];
  const v1: Verdict = a.acc >= 0.95 && a.loss < 0.1 * lnC ? "PASS" : a.acc >= 0.8 ? "WARN" : "FAIL";
  const lambda = 5 / (s.lr * steps);
  const b = await fitSmall(s, x, y, steps, lambda);
  const rise = b.loss - a.loss;
  const v2: Verdict = !Number.isFinite(b.loss) ? "WARN" : rise >= 0.1 ? "PASS" : rise > 0 ? "WARN" : "FAIL";
  return [
    { name: `overfits ${n} examples`, verdict: v1, detail: `after ${a.steps} full-batch steps (no regularisation): train accuracy ${(a.acc * 100).toFixed(1)}%, loss ${f(a.loss)} (PASS: ≥ 95% and loss < ${f(0.1 * lnC, 3)})` },
    { name: "loss rises with regularisation", verdict: v2, detail: `same ${steps} steps with weight decay λ = ${e2(lambda)}: data loss ${f(b.loss)} vs ${f(a.loss)} without (${rise >= 0 ? "+" : ""}${f(rise, 3)} nats; PASS ≥ +0.1)` },
  ];
}

export interface RangeTest {
  lrs: number[]; losses: number[]; smoothed: number[];
  /** Where the smoothed loss is lowest, and where it climbs back above its start (Infinity: never). */
  divergeLr: number; minLr: number; steepestLr: number; suggested: number; startLoss: number; minLoss: number;
}

/**
 * Learning-rate range test (Smith 2017; fastai's lr_find): from a fresh model, one step per
 * batch with the lr growing geometrically from 1e-7 to 10; stops once an exponential moving
 * average of the loss exceeds 4× its minimum or the loss is not finite. The curve is then
 * smoothed with a centred moving average (7 points; unlike the EMA it does not lag, which would
 * shift every feature to a higher lr). Suggestion, the "minimum ÷ 10" rule (Smith; fastai): at
 * the lowest point the loss is about to stop improving and then blow up; one decade lower it
 * still falls fast and steadily. The steepest descent (most negative d loss / d log lr before
 * the minimum) is reported as a second opinion; for a one-cycle schedule the peak lr may go up
 * to the minimum itself (Smith & Topin).
 */
export async function lrRangeTest(s: Setup, batches: () => Iterator<[Tensor, Tensor]>, steps: number, lo = 1e-7, hi = 10): Promise<RangeTest> {
  const model = s.fresh();
  model.train();
  const opt = s.optimizer(model.parameters(), {});
  const it = batches();
  const lrs: number[] = [], losses: number[] = [];
  let avg = 0, best = Infinity;
  for (let i = 0; i < steps; i++) {
    const lr = lo * (hi / lo) ** (i / Math.max(1, steps - 1));
    for (const g of opt.paramGroups) g.lr = lr;
    const nx = it.next();
    if (nx.done) break;
    const [x, y] = nx.value;
    opt.zeroGrad();
    const l = F.crossEntropy(model.forward(x) as Tensor, y);
    const v = l.item();
    if (!Number.isFinite(v)) break;
    avg = 0.9 * avg + 0.1 * v;
    const ema = avg / (1 - 0.9 ** (i + 1));
    lrs.push(lr); losses.push(v);
    best = Math.min(best, ema);
    if (i > 5 && ema > 4 * best) break;
    l.backward();
    opt.step();
    await nextTask();
  }
  const K = 3;
  const smoothed = losses.map((_, i) => {
    const a = Math.max(0, i - K), b = Math.min(losses.length - 1, i + K);
    let t = 0;
    for (let j = a; j <= b; j++) t += losses[j];
    return t / (b - a + 1);
  });
  let iMin = 0;
  smoothed.forEach((v, i) => { if (v < smoothed[iMin]) iMin = i; });
  const startLoss = smoothed[0] ?? NaN, minLoss = smoothed[iMin] ?? NaN;
  // Divergence: the first lr past the minimum where the smoothed loss is back above its start.
  const iDiv = smoothed.findIndex((v, i) => i > iMin && v > startLoss);
  let iSteep = 0, slope = Infinity;
  for (let i = 1; i <= iMin; i++) {
    const d = (smoothed[i] - smoothed[i - 1]) / Math.log(lrs[i] / lrs[i - 1]);
    if (d < slope) { slope = d; iSteep = i; }
  }
  const minLr = lrs[iMin] ?? NaN;
  return { lrs, losses, smoothed, divergeLr: iDiv >= 0 ? lrs[iDiv] : Infinity, minLr, steepestLr: lrs[iSteep] ?? NaN, suggested: minLr / 10, startLoss, minLoss };
}

/**
 * Verdict of the range test: FAIL when no lr cut the loss by 10% (nothing learns); WARN when the
 * configured lr is where the loss diverges, more than a decade past the minimum (the minimum's
 * position is only known to within about half a decade, so closer is not flagged), or 30× below
 * the suggestion (slow).
 */
export function judgeRange(r: RangeTest, configuredLr: number): CheckResult {
  const drop = 1 - r.minLoss / r.startLoss;
  let verdict: Verdict = "PASS";
  const notes: string[] = [];
  if (!(drop >= 0.1)) { verdict = "FAIL"; notes.push("no learning rate reduced the loss by 10%: check the data, labels and loss"); }
  else if (configuredLr >= r.divergeLr) { verdict = "WARN"; notes.push(`the configured lr ${e2(configuredLr)} is where the loss diverges (≥ ${e2(r.divergeLr)})`); }
  else if (configuredLr > 10 * r.minLr) { verdict = "WARN"; notes.push(`the configured lr ${e2(configuredLr)} is over a decade past the loss minimum (${e2(r.minLr)}): expect unstable training`); }
  else if (configuredLr < r.suggested / 30) { verdict = "WARN"; notes.push(`the configured lr ${e2(configuredLr)} is far below the suggestion: training would be slow`); }
  return {
    name: "learning-rate range test", verdict,
    detail: `suggested lr ${e2(r.suggested)} (lowest loss at ${e2(r.minLr)}, ÷ 10; steepest descent at ${e2(r.steepestLr)}; diverges from ${e2(r.divergeLr)}); smoothed loss ${f(r.startLoss, 3)} → ${f(r.minLoss, 3)} over ${r.lrs.length} steps` + (notes.length ? `; ${notes.join("; ")}` : ""),
  };
}

interface LayerStat { name: string; type: string; mean: number; std: number; dead: number | null; gradStd: number }

/** Mean, std and (for ReLU-family outputs) the fraction of units never positive in the batch. */
function activationStats(t: Tensor, relu: boolean): { mean: number; std: number; dead: number | null } {
  const d = t.dataRowMajor(), n = d.length;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) { s += d[i]; s2 += d[i] * d[i]; }
  const mean = s / n, std = Math.sqrt(Math.max(0, s2 / n - mean * mean));
  if (!relu || t.ndim < 2) return { mean, std, dead: null };
  // A unit is a channel (dim 1); dead when ≤ 0 for every example and position of the batch.
  const N = t.shape[0], C = t.shape[1], inner = n / (N * C);
  let dead = 0;
  for (let c = 0; c < C; c++) {
    let alive = false;
    for (let b = 0; b < N && !alive; b++) for (let k = 0; k < inner; k++) if (d[(b * C + c) * inner + k] > 0) { alive = true; break; }
    if (!alive) dead++;
  }
  return { mean, std, dead: dead / C };
}

/**
 * Activation and gradient statistics per layer at initialisation (forward hooks on every leaf
 * layer, tensor hooks for the gradients of their outputs), with inputs normalised to unit
 * variance. Good initialisation keeps activations O(1) through depth (the point of Xavier /
 * Kaiming): WARN when a layer's output std leaves [1e-2, 1e2], FAIL outside [1e-4, 1e4].
 * Dead ReLUs (units never positive on the batch): WARN above 10% in a layer, FAIL above 50%.
 * Gradients: the std of dL/d(output) of the first layer relative to the last; WARN when the
 * ratio leaves [1e-3, 1e3] (vanishing / exploding backward). Also the lecture's update/weight
 * ratio ‖Δw‖/‖w‖ of one optimizer step (about 1e-3 is healthy; WARN outside [1e-5, 1e-1]).
 */
export function checkLayerStats(s: Setup, x: Tensor, y: Tensor): CheckResult {
  const model = s.fresh();
  model.train();
  const stats: LayerStat[] = [];
  const handles: { remove(): void }[] = [];
  for (const [name, m] of model.namedModules()) {
    if (m === model || m.children().length > 0) continue;
    handles.push(m.registerForwardHook((mod, _inputs, out) => {
      if (!(out instanceof Tensor) || out.dtype === "int32") return;
      const relu = /relu|elu|gelu|silu/i.test(mod.getName()) && !/leaky|prelu/i.test(mod.getName());
      const st: LayerStat = { name, type: mod.getName(), ...activationStats(out, relu), gradStd: NaN };
      stats.push(st);
      if (out.requiresGrad) out.registerHook((g) => { st.gradStd = noGrad(() => g.std().item()); });
    }));
  }
  const opt = s.optimizer(model.parameters(), {});
  const before = model.parameters().map((p) => p.detach().clone());
  try {
    opt.zeroGrad();
    F.crossEntropy(model.forward(x) as Tensor, y).backward();
  } finally {
    for (const h of handles) h.remove();
  }
  opt.step();
  const ratios = model.parameters().map((p, i) => noGrad(() => p.sub(before[i]).norm().item() / Math.max(1e-12, before[i].norm().item()))).filter(Number.isFinite);
  ratios.sort((a, b) => a - b);
  const medRatio = ratios.length ? ratios[Math.floor(ratios.length / 2)] : NaN;

  let verdict: Verdict = "PASS";
  const flags: string[] = [];
  const raise = (v: Verdict, why: string): void => { flags.push(`${v}: ${why}`); if (v === "FAIL" || verdict === "PASS") verdict = v === "FAIL" ? "FAIL" : verdict === "FAIL" ? "FAIL" : "WARN"; };
  for (const st of stats) {
    if (!Number.isFinite(st.std) || st.std > 1e4 || (st.std < 1e-4 && st.std >= 0 && st.type !== "Dropout")) raise("FAIL", `${st.name} (${st.type}) output std ${e2(st.std)} (${st.std > 1 ? "exploding" : "vanishing"})`);
    else if (st.std > 1e2 || st.std < 1e-2) raise("WARN", `${st.name} (${st.type}) output std ${e2(st.std)} (${st.std > 1 ? "exploding" : "vanishing"})`);
    if (st.dead !== null && st.dead > 0.5) raise("FAIL", `${st.name}: ${(st.dead * 100).toFixed(0)}% dead ReLU units`);
    else if (st.dead !== null && st.dead > 0.1) raise("WARN", `${st.name}: ${(st.dead * 100).toFixed(0)}% dead ReLU units`);
  }
  const withGrad = stats.filter((st) => Number.isFinite(st.gradStd) && st.gradStd > 0);
  const gRatio = withGrad.length >= 2 ? withGrad[0].gradStd / withGrad[withGrad.length - 1].gradStd : NaN;
  if (Number.isFinite(gRatio) && (gRatio < 1e-3 || gRatio > 1e3)) raise("WARN", `gradient std first/last layer ${e2(gRatio)} (${gRatio < 1 ? "vanishing" : "exploding"} gradients)`);
  if (Number.isFinite(medRatio) && (medRatio < 1e-5 || medRatio > 1e-1)) raise("WARN", `median update/weight ratio ${e2(medRatio)} after one step (healthy ≈ 1e-3)`);
  const deadMax = Math.max(0, ...stats.map((st) => st.dead ?? 0));
  const w = Math.max(5, ...stats.map((st) => st.name.length));
  const lines = [
    `${"layer".padEnd(w)}  ${"type".padEnd(12)} ${"act mean".padStart(10)} ${"act std".padStart(10)} ${"dead".padStart(6)} ${"grad std".padStart(10)}`,
    ...stats.map((st) => `${st.name.padEnd(w)}  ${st.type.slice(0, 12).padEnd(12)} ${e2(st.mean).padStart(10)} ${e2(st.std).padStart(10)} ${(st.dead === null ? "" : `${(st.dead * 100).toFixed(0)}%`).padStart(6)} ${e2(st.gradStd).padStart(10)}`),
    ...flags,
  ];
  return {
    name: "activations and gradients at init", verdict, lines,
    detail: `${stats.length} layers; activation std ${e2(Math.min(...stats.map((st) => st.std)))}..${e2(Math.max(...stats.map((st) => st.std)))}, max dead ReLU ${(deadMax * 100).toFixed(0)}%, grad std first/last ${e2(gRatio)}, median update/weight ${e2(medRatio)}`,
  };
}
