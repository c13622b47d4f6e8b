// text.Vocabulary: the four specials at fixed ids, corpus vocabularies (frequency order, minCount),
// encode/decode round trips, padding, JSON round trip, and errors that teach.
import { test } from "node:test";
import assert from "node:assert/strict";
import { text } from "../../src/index.js";

const { Vocabulary, tokenize } = text;

test("specials have fixed ids; fromCaptions orders by frequency, then alphabetically", () => {
  assert.deepEqual([text.NULL_ID, text.START_ID, text.END_ID, text.UNK_ID], [0, 1, 2, 3]);
  const v = Vocabulary.fromCaptions(["A red circle.", "a blue square", "a red square", "zebra"]);
  // counts: a 3, red 2, square 2, blue 1, circle 1, zebra 1
  assert.deepEqual(v.words, ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "square", "blue", "circle", "zebra"]);
  assert.equal(v.size, 10);
  assert.deepEqual(Vocabulary.fromCaptions(["a red circle", "a blue square", "a red square"], { minCount: 2 }).words.slice(4), ["a", "red", "square"]);
  assert.deepEqual(Vocabulary.fromCaptions(["b a", "a b"]).words.slice(4), ["a", "b"], "ties alphabetical, independent of order");
  assert.deepEqual(tokenize("  A small, RED circle's edge! "), ["a", "small", "red", "circle's", "edge"]);
});

test("encode / decode round trip, <UNK>, padding and batches", () => {
  const v = new Vocabulary(["a", "red", "circle", "square"]);
  assert.deepEqual(v.encode("a red circle"), [1, 4, 5, 6, 2]);
  assert.deepEqual(v.encode(["a", "green", "square"], { addStartEnd: false }), [4, 3, 7]);
  assert.deepEqual(v.encode("a red circle", { length: 8 }), [1, 4, 5, 6, 2, 0, 0, 0]);
  assert.deepEqual(v.encode("a red circle", { length: 3 }), [1, 4, 5]);
  assert.equal(v.decode([1, 4, 5, 6, 2, 0, 0]), "a red circle");
  assert.equal(v.decode([4, 3, 7, 2, 5]), "a <UNK> square", "stops at <END>, keeps <UNK>");
  assert.equal(v.decode([1, 4, 2, 5], { stopAtEnd: false }), "a red");
  assert.deepEqual(v.decodeWords([1, 4, 2, 5], { stopAtEnd: false, skipSpecial: false }), ["<START>", "a", "<END>", "red"]);
  assert.deepEqual(v.encodeBatch(["a circle", "a red square"]), [[1, 4, 6, 2, 0], [1, 4, 5, 7, 2]]);
  assert.deepEqual(v.encodeBatch(["a circle"], { length: 6 }), [[1, 4, 6, 2, 0, 0]]);
  assert.equal(v.idOf("nope"), text.UNK_ID);
  assert.equal(v.wordOf(2), "<END>");
});

test("toJSON / fromJSON round trip", () => {
  const v = Vocabulary.fromCaptions(["a red circle left of a blue square"]);
  const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
  assert.deepEqual(back.words, v.words);
  assert.deepEqual(back.encode("a blue circle"), v.encode("a blue circle"));
});

test("vocabulary errors teach", () => {
  assert.throws(() => new Vocabulary(["a", "a"]), /"a" appears twice/);
  assert.throws(() => new Vocabulary(["<END>"]), /special token/);
  assert.throws(() => new Vocabulary([""]), /non-empty string/);
  assert.throws(() => Vocabulary.fromCaptions(["a"], { minCount: 0 }), /minCount must be an integer ≥ 1, got 0/);
  assert.throws(() => new Vocabulary(["a"]).wordOf(5), /id 5 is out of range; the vocabulary has ids 0..4/);
  assert.throws(() => Vocabulary.fromJSON({ words: ["a", "b"] }), /first words must be <NULL>, <START>, <END>, <UNK>/);
  assert.throws(() => Vocabulary.fromJSON([1, 2]), /expected \{ words: string\[\] \}/);
  assert.throws(() => new Vocabulary(["a"]).encode("a", { length: -1 }), /length must be a non-negative integer/);
});
