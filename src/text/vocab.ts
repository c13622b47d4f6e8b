// A word vocabulary for captioning (CS231n assignment 3's word_to_idx / idx_to_word): four
// special tokens at fixed ids — <NULL> = 0 (padding, masked out of the loss), <START> = 1,
// <END> = 2, <UNK> = 3 (a word not in the vocabulary) — then the words. Captions are tokenised
// by lower-casing and splitting on anything that is not a letter, digit or apostrophe, so
// "A red circle." and "a red circle" encode the same.

export const NULL_TOKEN = "<NULL>";
export const START_TOKEN = "<START>";
export const END_TOKEN = "<END>";
export const UNK_TOKEN = "<UNK>";
export const NULL_ID = 0;
export const START_ID = 1;
export const END_ID = 2;
export const UNK_ID = 3;
const SPECIALS = [NULL_TOKEN, START_TOKEN, END_TOKEN, UNK_TOKEN];

/** Lower-case words of a caption: "A small red circle." → ["a", "small", "red", "circle"]. */
export function tokenize(caption: string): string[] {
  if (typeof caption !== "string") throw new Error(`tokenize: expected a string caption, got ${typeof caption}`);
  return caption.toLowerCase().split(/[^\p{L}\p{N}']+/u).filter((w) => w.length > 0);
}

export interface EncodeOptions {
  /** Put <START> before and <END> after the words (default true). */
  addStartEnd?: boolean;
  /** Pad with <NULL> (or cut) to exactly this many ids, special tokens included. */
  length?: number;
}

export interface DecodeOptions {
  /** Stop at the first <END> (default true). */
  stopAtEnd?: boolean;
  /** Leave out <NULL>, <START> and <END> (default true); <UNK> is always kept. */
  skipSpecial?: boolean;
}

/**
 * Maps words to ids and back. Example:
 *   const v = Vocabulary.fromCaptions(["a red circle", "a blue square"]);
 *   v.encode("a red square");          // [1, 4, 6, 8, 2]  (<START> a red square <END>)
 *   v.decode([1, 4, 6, 8, 2, 0, 0]);   // "a red square"
 */
export class Vocabulary {
  /** Every token by id, the four specials first. */
  readonly words: readonly string[];
  private readonly index: Map<string, number>;

  /** A vocabulary of the specials followed by `words` (which must not repeat or contain a special). */
  constructor(words: readonly string[] = []) {
    if (!Array.isArray(words)) throw new Error(`Vocabulary: words must be an array of strings, got ${typeof words}`);
    const all = [...SPECIALS];
    const index = new Map(SPECIALS.map((w, i) => [w, i]));
    for (const w of words) {
      if (typeof w !== "string" || w === "") throw new Error(`Vocabulary: every word must be a non-empty string, got ${JSON.stringify(w)}`);
      if (index.has(w)) {
        throw new Error(`Vocabulary: "${w}" ${SPECIALS.includes(w) ? "is a special token (added automatically)" : "appears twice"}; words must be unique`);
      }
      index.set(w, all.length);
      all.push(w);
    }
    this.words = all;
    this.index = index;
  }

  /**
   * The vocabulary of a caption corpus: words seen at least `minCount` times (default 1), most
   * frequent first (ties alphabetical, so the result does not depend on the corpus order).
   */
  static fromCaptions(captions: readonly string[], options: { minCount?: number } = {}): Vocabulary {
    const minCount = options.minCount ?? 1;
    if (!Number.isInteger(minCount) || minCount < 1) throw new Error(`Vocabulary.fromCaptions: minCount must be an integer ≥ 1, got ${minCount}`);
    if (!Array.isArray(captions)) throw new Error(`Vocabulary.fromCaptions: expected an array of caption strings, got ${typeof captions}`);
    const counts = new Map<string, number>();
    for (const c of captions) for (const w of tokenize(c)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const kept = [...counts].filter(([w, n]) => n >= minCount && !SPECIALS.includes(w));
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new Vocabulary(kept.map(([w]) => w));
  }

  /** Number of tokens, specials included. */
  get size(): number {
    return this.words.length;
  }

  /** The id of a word (<UNK>'s id when unknown). */
  idOf(word: string): number {
    return this.index.get(word) ?? UNK_ID;
  }

  /** The token of an id. */
  wordOf(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.words.length) {
      throw new Error(`Vocabulary.wordOf: id ${id} is out of range; the vocabulary has ids 0..${this.words.length - 1}`);
    }
    return this.words[id];
  }

  /** Ids of a caption (a string, tokenised, or an array of words). */
  encode(caption: string | readonly string[], options: EncodeOptions = {}): number[] {
    const words = typeof caption === "string" ? tokenize(caption) : caption;
    if (!Array.isArray(words)) throw new Error(`Vocabulary.encode: expected a caption string or an array of words, got ${typeof caption}`);
    const ids = words.map((w) => this.idOf(w));
    const out = options.addStartEnd ?? true ? [START_ID, ...ids, END_ID] : ids;
    const L = options.length;
    if (L === undefined) return out;
    if (!Number.isInteger(L) || L < 0) throw new Error(`Vocabulary.encode: length must be a non-negative integer, got ${L}`);
    return out.length >= L ? out.slice(0, L) : [...out, ...new Array<number>(L - out.length).fill(NULL_ID)];
  }

  /**
   * Ids of many captions padded with <NULL> to one length (the longest, or `length`): the
   * [N, T] rows a captioning model trains on (`tensor(v.encodeBatch(caps), { dtype: "int32" })`).
   */
  encodeBatch(captions: readonly (string | readonly string[])[], options: EncodeOptions = {}): number[][] {
    const rows = captions.map((c) => this.encode(c, { addStartEnd: options.addStartEnd }));
    const L = options.length ?? Math.max(0, ...rows.map((r) => r.length));
    return rows.map((r) => (r.length >= L ? r.slice(0, L) : [...r, ...new Array<number>(L - r.length).fill(NULL_ID)]));
  }

  /** The words of ids (a row of a model's output), joined by spaces. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    return this.decodeWords(ids, options).join(" ");
  }

  /** Like decode, as an array of words. */
  decodeWords(ids: ArrayLike<number>, options: DecodeOptions = {}): string[] {
    const stopAtEnd = options.stopAtEnd ?? true, skip = options.skipSpecial ?? true;
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (stopAtEnd && id === END_ID) break;
      if (skip && (id === NULL_ID || id === START_ID || id === END_ID)) continue;
      out.push(this.wordOf(id));
    }
    return out;
  }

  /** A plain object for JSON files and checkpoints: { words } (every token, specials first). */
  toJSON(): { words: string[] } {
    return { words: [...this.words] };
  }

  /** The inverse of toJSON; refuses a list whose specials are not the four, in order. */
  static fromJSON(json: unknown): Vocabulary {
    const words = (json as { words?: unknown })?.words;
    if (!Array.isArray(words)) throw new Error(`Vocabulary.fromJSON: expected { words: string[] }, got ${JSON.stringify(json)?.slice(0, 80)}`);
    const head = words.slice(0, SPECIALS.length);
    if (head.join("\u0000") !== SPECIALS.join("\u0000")) {
      throw new Error(`Vocabulary.fromJSON: the first words must be ${SPECIALS.join(", ")}; got ${head.map((w) => JSON.stringify(w)).join(", ")}`);
    }
    return new Vocabulary(words.slice(SPECIALS.length) as string[]);
  }
}
