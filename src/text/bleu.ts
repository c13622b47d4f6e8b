// Corpus BLEU (Papineni et al. 2002, "BLEU: a method for automatic evaluation of machine
// translation"), as nltk.translate.bleu_score.corpus_bleu computes it without smoothing:
//   p_n  = Σ_sentences clipped n-gram matches / Σ_sentences candidate n-grams   (clip: an n-gram
//          counts at most as often as in the one reference where it is most frequent)
//   BP   = 1 if c > r else exp(1 − r/c), c = total candidate length, r = Σ per sentence the
//          reference length closest to the candidate's (the shorter one on a tie)
//   BLEU-N = BP · exp(Σ_{n≤N} log p_n / N)   (uniform weights; 0 when some p_n is 0)
// Sums go over the whole corpus before dividing, so BLEU is not the mean of sentence scores.

import { tokenize } from "./vocab.js";

/** A sentence: a string (tokenised like captions) or its words. */
export type Sentence = string | readonly string[];

export interface BleuScores {
  /** BLEU-1 … BLEU-maxOrder: bleu[n − 1] uses n-grams up to n. */
  bleu: number[];
  /** Modified n-gram precisions p_1 … p_maxOrder. */
  precisions: number[];
  /** Clipped matches and candidate n-gram totals per order (numerators and denominators of p_n). */
  matches: number[];
  totals: number[];
  brevityPenalty: number;
  /** c: total candidate length. */
  hypothesisLength: number;
  /** r: total effective reference length. */
  referenceLength: number;
}

function words(s: Sentence, what: string): readonly string[] {
  if (typeof s === "string") return tokenize(s);
  if (Array.isArray(s) && s.every((w) => typeof w === "string")) return s;
  throw new Error(`corpusBleu: ${what} must be a string or an array of words, got ${JSON.stringify(s)?.slice(0, 60)}`);
}

function ngramCounts(ws: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= ws.length; i++) {
    const k = ws.slice(i, i + n).join("\u0000");
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/**
 * Corpus BLEU-1..maxOrder of `hypotheses` against `references` (for each hypothesis, a list of
 * one or more references). Example:
 *   corpusBleu([["a red circle left of a blue square"]], ["a red circle left of a green square"]).bleu
 */
export function corpusBleu(references: readonly (readonly Sentence[])[], hypotheses: readonly Sentence[], options: { maxOrder?: number } = {}): BleuScores {
  const maxOrder = options.maxOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new Error(`corpusBleu: maxOrder must be an integer ≥ 1, got ${maxOrder}`);
  if (!Array.isArray(references) || !Array.isArray(hypotheses)) throw new Error("corpusBleu: expected arrays (references per hypothesis, hypotheses)");
  if (references.length !== hypotheses.length) {
    throw new Error(`corpusBleu: ${hypotheses.length} hypotheses but ${references.length} reference lists; give one list of references per hypothesis`);
  }
  const matches = new Array<number>(maxOrder).fill(0), totals = new Array<number>(maxOrder).fill(0);
  let c = 0, r = 0;
  hypotheses.forEach((h, i) => {
    const refsIn = references[i];
    if (!Array.isArray(refsIn) || refsIn.length === 0) throw new Error(`corpusBleu: hypothesis ${i} has no references (expected a non-empty array)`);
    const hyp = words(h, `hypothesis ${i}`);
    const refs = refsIn.map((s, j) => words(s, `reference ${j} of hypothesis ${i}`));
    c += hyp.length;
    // Closest reference length; on a tie the shorter (nltk's closest_ref_length).
    r += refs.map((x) => x.length).reduce((best, L) => {
      const d = Math.abs(L - hyp.length), db = Math.abs(best - hyp.length);
      return d < db || (d === db && L < best) ? L : best;
    });
    for (let n = 1; n <= maxOrder; n++) {
      const hc = ngramCounts(hyp, n);
      const maxRef = new Map<string, number>();
      for (const ref of refs) for (const [k, v] of ngramCounts(ref, n)) if (v > (maxRef.get(k) ?? 0)) maxRef.set(k, v);
      for (const [k, v] of hc) matches[n - 1] += Math.min(v, maxRef.get(k) ?? 0);
      totals[n - 1] += Math.max(0, hyp.length - n + 1);
    }
  });
  const precisions = matches.map((m, k) => (totals[k] > 0 ? m / totals[k] : 0));
  const brevityPenalty = c === 0 ? 0 : c > r ? 1 : Math.exp(1 - r / c);
  const bleu: number[] = [];
  let logSum = 0;
  for (let n = 1; n <= maxOrder; n++) {
    logSum += precisions[n - 1] > 0 ? Math.log(precisions[n - 1]) : -Infinity;
    bleu.push(logSum === -Infinity ? 0 : brevityPenalty * Math.exp(logSum / n));
  }
  return { bleu, precisions, matches, totals, brevityPenalty, hypothesisLength: c, referenceLength: r };
}

/** BLEU of one hypothesis (a corpus of one). */
export function sentenceBleu(references: readonly Sentence[], hypothesis: Sentence, options: { maxOrder?: number } = {}): BleuScores {
  return corpusBleu([references], [hypothesis], options);
}
