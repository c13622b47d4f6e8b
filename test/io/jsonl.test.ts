import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { io, tensor } from "../../src/index.js";
import { tmp } from "./util.js";

test("JsonlLogger appends one JSON object per line, readable while it is written; non-finite numbers survive", () => {
  const p = join(tmp(), "run", "metrics.jsonl");
  const log = new io.JsonlLogger(p);
  log.log({ epoch: 1, loss: 0.5, acc: tensor(0.75), lr: [0.1, 0.01] });
  assert.equal(readFileSync(p, "utf8"), '{"epoch":1,"loss":0.5,"acc":0.75,"lr":[0.1,0.01]}\n'); // flushed per line
  log.log({ epoch: 2, loss: NaN, best: Infinity, worst: -Infinity });
  assert.deepEqual(io.readJsonl(p), [{ epoch: 1, loss: 0.5, acc: 0.75, lr: [0.1, 0.01] }, { epoch: 2, loss: NaN, best: Infinity, worst: -Infinity }]);
  new io.JsonlLogger(p).log({ epoch: 3 }); // reopening appends
  assert.equal(io.readJsonl(p).length, 3);
  new io.JsonlLogger(p, { truncate: true }).log({ epoch: 1 });
  assert.equal(io.readJsonl(p).length, 1);
});

test("readJsonl skips a torn last line (writer killed mid-line) but reports a bad line elsewhere", () => {
  const p = join(tmp(), "m.jsonl");
  writeFileSync(p, '{"a":1}\n{"a":2}\n');
  appendFileSync(p, '{"a":');
  assert.deepEqual(io.readJsonl(p), [{ a: 1 }, { a: 2 }]);
  writeFileSync(p, '{"a":1}\nnot json\n{"a":3}\n');
  assert.throws(() => io.readJsonl(p), /line 2 is not valid JSON/);
  assert.throws(() => new io.JsonlLogger(p).log([1] as never), /expected a plain object/);
  assert.throws(() => io.readJsonl(join(tmp(), "none.jsonl")), /no such file/);
});
