// Every reader on the committed fixtures (test/fixtures/data/gen_data.py), and their errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { gzipSync, gunzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { data } from "../../src/index.js";
import { FIX, pix, tempCopy } from "./util.js";

const { MNIST, FashionMNIST, CIFAR10, CIFAR100, ImageFolder } = data.datasets;

test("IDX: gzip training files and raw test files, byte-exact", () => {
  for (const train of [true, false]) {
    const ds = MNIST({ root: join(FIX, "idx"), train });
    assert.equal(ds.length, 4);
    assert.deepEqual(Array.from(ds.targets), [3, 1, 4, 1]);
    for (let i = 0; i < 4; i++) {
      const [img, y] = ds.get(i) as [data.Image, number];
      assert.deepEqual([img.height, img.width, img.channels], [3, 5, 1]);
      for (let r = 0; r < 3; r++) for (let c = 0; c < 5; c++) assert.equal(img.data[r * 5 + c], pix(i, 0, r, c));
      assert.equal(y, [3, 1, 4, 1][i]);
    }
  }
  const fm = new FashionMNIST({ root: join(FIX, "idx") });
  assert.ok(fm instanceof FashionMNIST);
  assert.equal(fm.classes[3], "Dress");
});

test("IDX: transform and targetTransform are applied; get returns a copy", () => {
  const ds = MNIST({ root: join(FIX, "idx"), transform: (im: data.Image) => im.data[0], targetTransform: (y: number) => y * 10 });
  assert.deepEqual(ds.get(1), [pix(1, 0, 0, 0), 10]);
  const raw = MNIST({ root: join(FIX, "idx") });
  (raw.get(0)[0] as data.Image).data[0] = 255;
  assert.equal((raw.get(0)[0] as data.Image).data[0], pix(0, 0, 0, 0));
});

test("IDX: toTensors gives float32 [N,C,H,W] in [0,1] and int32 labels", () => {
  const { images, labels } = MNIST({ root: join(FIX, "idx") }).toTensors();
  assert.deepEqual(images.shape, [4, 1, 3, 5]);
  assert.equal(images.dtype, "float32");
  assert.equal(labels.dtype, "int32");
  assert.ok(Math.abs((images.toArray()[5 * 15 % 60] as number) - pix(1, 0, 0, 0) / 255) < 1e-7);
  const flat = MNIST({ root: join(FIX, "idx") }).toTensors({ flatten: true, scale: false });
  assert.deepEqual(flat.images.shape, [4, 15]);
  assert.equal(flat.images.toArray()[15 + 7], pix(1, 0, 1, 2));
});

test("IDX errors name the file, the byte offset and what was expected", () => {
  const dir = tempCopy("idx");
  const imgFile = join(dir, "train-images-idx3-ubyte.gz");
  const good = gunzipSync(readFileSync(imgFile));
  const labFile = join(dir, "train-labels-idx1-ubyte.gz");
  const goodLab = gunzipSync(readFileSync(labFile));
  const load = () => MNIST({ root: dir });

  const bad = Buffer.from(good); bad[2] = 0x0d;
  writeFileSync(imgFile, gzipSync(bad));
  assert.throws(load, (e: Error) => e.message.includes(imgFile) && /byte 2/.test(e.message) && /expected 0x08/.test(e.message));

  const magic = Buffer.from(good); magic[0] = 0x12;
  writeFileSync(imgFile, gzipSync(magic));
  assert.throws(load, /bad magic number at byte 0: expected an IDX file/);

  const wrongDims = Buffer.from(good); wrongDims[3] = 1;
  writeFileSync(imgFile, gzipSync(wrongDims));
  assert.throws(load, /byte 3: expected 3 dimension/);

  writeFileSync(imgFile, gzipSync(good.subarray(0, good.length - 7)));
  assert.throws(load, (e: Error) => e.message.includes(imgFile) && e.message.includes(`truncated at byte ${good.length - 7}`) && e.message.includes(`expected ${good.length} bytes`));

  writeFileSync(imgFile, gzipSync(Buffer.concat([good, Buffer.from([1])])));
  assert.throws(load, new RegExp(`extra data at byte ${good.length}`));

  writeFileSync(imgFile, gzipSync(good).subarray(0, 30)); // a cut gzip stream
  assert.throws(load, (e: Error) => e.message.includes(imgFile) && /gzip stream .* corrupt or truncated/.test(e.message));

  writeFileSync(imgFile, gzipSync(good));
  const fewer = Buffer.from(goodLab.subarray(0, 11)); fewer.writeUInt32BE(3, 4);
  writeFileSync(labFile, gzipSync(fewer));
  assert.throws(load, (e: Error) => e.message.includes(labFile) && /label count mismatch at byte 4: expected 4 labels/.test(e.message) && /got 3/.test(e.message));

  const badLabel = Buffer.from(goodLab); badLabel[10] = 12;
  writeFileSync(labFile, gzipSync(badLabel));
  assert.throws(load, /bad label at byte 10 \(item 2\): expected a class index in 0\.\.9, got 12/);

  assert.throws(() => MNIST({ root: join(dir, "nowhere") }), /dataset file not found; looked for/);
  assert.throws(() => MNIST({} as never), /expected \{ root/);
  assert.throws(() => data.parseIdx(new Uint8Array([0, 0, 8]), "x.idx"), /x\.idx: truncated at byte 3/);
});

test("IDX: encodeIdx/parseIdx round trip", () => {
  const bytes = data.encodeIdx([2, 3], new Uint8Array([1, 2, 3, 4, 5, 6]));
  const p = data.parseIdx(bytes, "t");
  assert.deepEqual(p.shape, [2, 3]);
  assert.deepEqual(Array.from(p.data), [1, 2, 3, 4, 5, 6]);
});

test("CIFAR-10: the five training batches in order, the test batch, CHW records to HWC images", () => {
  const tr = CIFAR10({ root: join(FIX, "cifar10") });
  assert.equal(tr.length, 10);
  assert.deepEqual(Array.from(tr.targets), Array.from({ length: 10 }, (_, k) => (k * 3) % 10));
  const [img, y] = tr.get(7) as [data.Image, number];
  assert.equal(y, 1);
  assert.deepEqual([img.height, img.width, img.channels], [32, 32, 3]);
  for (const [c, r, x] of [[0, 0, 0], [1, 5, 9], [2, 31, 31]]) assert.equal(img.data[(r * 32 + x) * 3 + c], pix(7, c, r, x));
  // Straight from the batch folder too, and the test split.
  const te = CIFAR10({ root: join(FIX, "cifar10", "cifar-10-batches-bin"), train: false });
  assert.equal(te.length, 3);
  assert.equal((te.get(2)[0] as data.Image).data[3 * 33 + 1], pix(102, 1, 1, 1));
  assert.equal(te.classes[0], "airplane");
  const { images } = te.toTensors({ scale: false });
  assert.deepEqual(images.shape, [3, 3, 32, 32]);
  assert.equal(images.toArray()[2 * 3072 + 1024 + 33], pix(102, 1, 1, 1));
});

test("CIFAR-100: coarse and fine labels, label names", () => {
  const fine = CIFAR100({ root: join(FIX, "cifar100") });
  assert.equal(fine.length, 4);
  assert.deepEqual(Array.from(fine.targets), [0, 13, 26, 39]);
  const coarse = CIFAR100({ root: join(FIX, "cifar100"), train: false, labelType: "coarse" });
  assert.deepEqual(Array.from(coarse.targets), [(50 * 7) % 20, (51 * 7) % 20]);
  assert.deepEqual(Array.from(coarse.fineTargets), [(50 * 13) % 100, (51 * 13) % 100]);
  assert.equal(coarse.classes.length, 20);
  assert.equal(fine.classes[13], "fine13");
  assert.equal((coarse.get(1)[0] as data.Image).data[3 * 32 + 2], pix(51, 2, 1, 0));
  assert.throws(() => CIFAR100({ root: join(FIX, "cifar100"), labelType: "mid" as never }), /labelType must be "fine" or "coarse"/);
});

test("CIFAR errors: bad record size, bad label, missing file", () => {
  const dir = tempCopy("cifar10");
  const f = join(dir, "cifar-10-batches-bin", "data_batch_3.bin");
  const good = readFileSync(f);
  writeFileSync(f, good.subarray(0, good.length - 100));
  assert.throws(() => CIFAR10({ root: dir }), (e: Error) => e.message.includes(f) && /not a multiple of the 3073-byte record/.test(e.message) &&
    /record 1 starts at byte 3073 and is truncated \(2973 of 3073 bytes\)/.test(e.message));
  const bad = Buffer.from(good); bad[3073] = 10;
  writeFileSync(f, bad);
  assert.throws(() => CIFAR10({ root: dir }), /bad label at byte 3073 \(record 1\): expected a class index in 0\.\.9, got 10/);
  writeFileSync(f, Buffer.alloc(0));
  assert.throws(() => CIFAR10({ root: dir }), /empty file at byte 0/);
  const d100 = tempCopy("cifar100");
  const t = join(d100, "cifar-100-binary", "test.bin");
  writeFileSync(t, readFileSync(t).subarray(0, 3074 + 5));
  assert.throws(() => CIFAR100({ root: d100, train: false }), /3074-byte record/);
  assert.throws(() => CIFAR10({ root: join(dir, "missing") }), /file not found/);
});

test("ImageFolder: classes sorted like torchvision, nested files, PNG and JPEG decode", () => {
  const ds = ImageFolder({ root: join(FIX, "folder") });
  assert.deepEqual(ds.classes, ["Zebra", "cat", "dog"]);
  assert.deepEqual(ds.classToIdx, { Zebra: 0, cat: 1, dog: 2 });
  const rel = ds.samples.map(([p, y]) => [p.slice(join(FIX, "folder").length + 1), y]);
  assert.deepEqual(rel, [["Zebra/z.png", 0], ["cat/a.PNG", 1], ["cat/b.png", 1], ["dog/x.jpg", 2], ["dog/inner/y.png", 2]]);
  const expected = JSON.parse(readFileSync(join(FIX, "folder_expected.json"), "utf8")) as Record<string, { shape: number[]; data: number[] }>;
  rel.forEach(([name], i) => {
    const [img, y] = ds.get(i) as [data.Image, number];
    const e = expected[name as string];
    assert.deepEqual([img.height, img.width, img.channels], e.shape, name as string);
    assert.equal(y, rel[i][1]);
    if ((name as string).endsWith(".jpg")) {
      // jpeg-js and libjpeg (PIL) may differ by rounding in the IDCT / upsampling.
      let worst = 0;
      e.data.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - img.data[k])); });
      assert.ok(worst <= 3, `JPEG differs from PIL by ${worst}`);
    } else {
      assert.deepEqual(Array.from(img.data), e.data, name as string);
    }
  });
});

test("ImageFolder: custom async decoder (the browser path) and extensions", async () => {
  const calls: string[] = [];
  const ds = ImageFolder({
    root: join(FIX, "folder"), extensions: [".png"],
    decode: async (bytes, path) => { calls.push(path); return { data: new Uint8Array([bytes[0]]), height: 1, width: 1, channels: 1 }; },
  });
  assert.equal(ds.length, 4);
  const got = ds.get(0);
  assert.ok(got instanceof Promise);
  const [img] = (await got) as [data.Image, number];
  assert.equal(img.data[0], 0x89);
  assert.equal(calls.length, 1);
  assert.throws(() => ds.toTensors(), /decoder is async/);
});

test("ImageFolder errors: empty class folder, no classes, corrupt image, different sizes", () => {
  const root = mkdtempSync(join(tmpdir(), "kestrel-folder-"));
  assert.throws(() => ImageFolder({ root }), /couldn't find any class folder/);
  mkdirSync(join(root, "a"));
  mkdirSync(join(root, "b"));
  writeFileSync(join(root, "a", "one.png"), readFileSync(join(FIX, "folder", "cat", "b.png")));
  assert.throws(() => ImageFolder({ root }), (e: Error) => e.message.includes(join(root, "b")) && /found no valid file for the class b/.test(e.message));
  writeFileSync(join(root, "b", "two.jpg"), Buffer.from([0xff, 0xd8, 0, 1, 2]));
  const ds = ImageFolder({ root });
  assert.throws(() => ds.get(1), (e: Error) => e.message.includes(join(root, "b", "two.jpg")) && /corrupt JPEG/.test(e.message));
  writeFileSync(join(root, "b", "two.jpg"), Buffer.from("hello"));
  assert.throws(() => ImageFolder({ root }).get(1), /unknown image format at byte 0: expected PNG/);
  const mixed = ImageFolder({ root: join(FIX, "folder") });
  assert.throws(() => mixed.toTensors(), /x\.jpg is 8×8×3 but the first image is 4×6×3/);
});
