// RSS check for Kestrel (run by `npm run bench -- --memory`, one child process per backend with
// KESTREL_BACKEND set): trains the reference CNN (b64, 1×28×28) for STEPS steps, awaiting
// between steps like a data-loader loop, and prints RSS after step `at` and at the end, plus peak RSS.
import { randn, randint, optim, manualSeed, backend } from "../src/index.js";
import { refCnn, trainStep } from "./models/refcnn.js";

const [at, steps] = (process.argv[2] ?? "200,2000").split(",").map(Number);
manualSeed(0);
const model = refCnn(1, 28);
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const x = randn([64, 1, 28, 28]), y = randint(0, 10, [64]);
const mb = () => process.memoryUsage().rss / 2 ** 20;
let rssAt = 0;
const t0 = performance.now();
for (let s = 1; s <= steps; s++) {
  trainStep(model, opt, x, y);
  await new Promise((r) => setImmediate(r));
  if (s === at) rssAt = mb();
}
console.log("@@bench " + JSON.stringify({
  backend: backend(), at, steps, rssAtMB: rssAt, rssEndMB: mb(), peakMB: process.resourceUsage().maxRSS / 1024,
  seconds: (performance.now() - t0) / 1e3,
}));
