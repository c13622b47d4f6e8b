// Corpus BLEU against published values: nltk's corpus_bleu doctest (BLEU-1, -2, -4), the
// modified-precision example of Papineni et al. (2002), and small cases computed by hand
// (brevity penalty, clipping, closest reference length, corpus sums vs sentence means).
import { test } from "node:test";
import assert from "node:assert/strict";
import { text } from "../../src/index.js";

const { corpusBleu, sentenceBleu } = text;
const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// nltk.translate.bleu_score.corpus_bleu's doctest (case-sensitive word lists).
const hyp1 = ["It", "is", "a", "guide", "to", "action", "which", "ensures", "that", "the", "military", "always", "obeys", "the", "commands", "of", "the", "party"];
const ref1a = ["It", "is", "a", "guide", "to", "action", "that", "ensures", "that", "the", "military", "will", "forever", "heed", "Party", "commands"];
const ref1b = ["It", "is", "the", "guiding", "principle", "which", "guarantees", "the", "military", "forces", "always", "being", "under", "the", "command", "of", "the", "Party"];
const ref1c = ["It", "is", "the", "practical", "guide", "for", "the", "army", "always", "to", "heed", "the", "directions", "of", "the", "party"];
const hyp2 = ["he", "read", "the", "book", "because", "he", "was", "interested", "in", "world", "history"];
const ref2a = ["he", "was", "interested", "in", "world", "history", "because", "he", "read", "the", "book"];

test("corpus BLEU-1/2/4 match nltk's documented values", () => {
  const r = corpusBleu([[ref1a, ref1b, ref1c], [ref2a]], [hyp1, hyp2]);
  close(r.bleu[0], 0.9655172413793104);
  close(r.bleu[1], 0.8242803277698696);
  close(r.bleu[3], 0.5920778868801042);
  // By hand: 29 candidate words, 28 unigram matches (only "obeys" unmatched); lengths 18+11 ≥ refs 18+11.
  assert.deepEqual([r.matches[0], r.totals[0], r.hypothesisLength, r.referenceLength, r.brevityPenalty], [28, 29, 29, 29, 1]);
  close(r.bleu[2], Math.cbrt(r.precisions[0] * r.precisions[1] * r.precisions[2]));
});

test("modified precision clips counts (Papineni et al., 2002: 'the the the ...' scores 2/7)", () => {
  const r = sentenceBleu(["the cat is on the mat", "there is a cat on the mat"], "the the the the the the the", { maxOrder: 1 });
  close(r.precisions[0], 2 / 7);
  close(r.bleu[0], 2 / 7, 1e-15); // candidate length 7 = closest reference length 7
});

test("brevity penalty, closest reference length and zero matches, by hand", () => {
  // c = 4, closest reference length 6 → BP = exp(1 − 6/4); every n-gram of "a red circle left" matches.
  const r = sentenceBleu(["a red circle left of it", "a red circle left of a blue square"], "a red circle left");
  close(r.brevityPenalty, Math.exp(1 - 6 / 4));
  assert.equal(r.referenceLength, 6);
  r.bleu.forEach((b) => close(b, Math.exp(1 - 6 / 4)));
  // A tie between reference lengths 3 and 5 for a 4-word candidate picks the shorter: no penalty.
  assert.equal(sentenceBleu(["a b c", "a b c d e"], "a b c d").referenceLength, 3);
  // Longer candidate: no penalty; p1 = 4/5, p2 = 2/4 ("a b", "c d"), p3 = 0 → BLEU-3 = BLEU-4 = 0.
  const s = sentenceBleu(["a b x c d"], "a b y c d");
  assert.deepEqual(s.matches, [4, 2, 0, 0]);
  close(s.bleu[0], 0.8);
  close(s.bleu[1], Math.sqrt(0.8 * 0.5));
  assert.deepEqual([s.bleu[2], s.bleu[3]], [0, 0]);
  assert.deepEqual(sentenceBleu(["a red circle left"], "a red circle left").bleu, [1, 1, 1, 1]);
  // A 3-word sentence has no 4-grams: p4 = 0/0 counts as 0, as in nltk without smoothing.
  assert.deepEqual(sentenceBleu(["a red circle"], "a red circle").bleu, [1, 1, 1, 0]);
  assert.deepEqual(sentenceBleu(["a red circle"], "").bleu, [0, 0, 0, 0]);
});

test("corpus BLEU sums counts over sentences before dividing (not a mean of sentence scores)", () => {
  const refs = [["a b c d"], ["e f"]], hyps = ["a b c d", "e g"];
  const r = corpusBleu(refs, hyps, { maxOrder: 2 });
  assert.deepEqual([r.matches, r.totals], [[5, 3], [6, 4]]);
  close(r.bleu[1], Math.sqrt((5 / 6) * (3 / 4)));
  assert.notEqual(r.bleu[1], (sentenceBleu(refs[0], hyps[0], { maxOrder: 2 }).bleu[1] + sentenceBleu(refs[1], hyps[1], { maxOrder: 2 }).bleu[1]) / 2);
});

test("BLEU errors teach", () => {
  assert.throws(() => corpusBleu([["a"]], ["a", "b"]), /2 hypotheses but 1 reference lists/);
  assert.throws(() => corpusBleu([[]], ["a"]), /hypothesis 0 has no references/);
  assert.throws(() => corpusBleu([["a"]], ["a"], { maxOrder: 0 }), /maxOrder must be an integer ≥ 1/);
  assert.throws(() => corpusBleu([[[1, 2] as unknown as string[]]], ["a"]), /reference 0 of hypothesis 0 must be a string or an array of words/);
});
