import { distance } from 'fastest-levenshtein';
import { EngineError } from '../errors/engine-error.js';
import type { ScoreTerm } from './executors/executor.js';

export interface ClassInfo {
  index: number;
  /** WordNet id, e.g. n02099712; empty where the model's labels have none. */
  wnid: string;
  /** The primary name: the first synonym on the line of labels.txt. */
  name: string;
  synonyms: string[];
}

export interface ResolvedClass {
  term: ScoreTerm;
  /** How the term reads in tables and logs: a class name, `logsumexp` or `none`. */
  label: string;
}

const NEAREST_COUNT = 5;

/** A model's classes (for the built-in model the 1000 ImageNet classes in Caffe synset order, labels.txt line i = class i). */
export class Labels {
  private readonly byName = new Map<string, ClassInfo[]>();

  private constructor(readonly classes: ClassInfo[]) {
    for (const c of classes) {
      for (const s of c.synonyms) {
        const key = s.toLowerCase();
        const list = this.byName.get(key) ?? [];
        list.push(c);
        this.byName.set(key, list);
      }
    }
  }

  /** The labels a worker described (they cross threads as plain data). */
  static of(classes: ClassInfo[]): Labels {
    return new Labels(classes);
  }

  /**
   * One class per line: `nXXXXXXXX name, synonyms` (labels.txt, ImageNet's WordNet ids) or
   * `name, synonyms` (an imported model's id2label). `expected` checks the count.
   */
  static parse(text: string, expected?: number): Labels {
    const classes = text
      .split('\n')
      .filter((l) => l.trim())
      .map((line, index) => {
        const m = /^(n\d{8})\s+(.*)$/.exec(line.trim());
        const synonyms = (m ? m[2] : line)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (!synonyms.length) throw new EngineError('MODEL_CORRUPT', `Class ${index} has no name: ${line}`);
        return { index, wnid: m ? m[1] : '', name: synonyms[0], synonyms };
      });
    if (expected !== undefined && classes.length !== expected)
      throw new EngineError('MODEL_CORRUPT', `labels.txt has ${classes.length} classes, expected ${expected}.`);
    if (classes.length === 0) throw new EngineError('MODEL_CORRUPT', 'The model has no class names.');
    return new Labels(classes);
  }

  /** Index, WordNet id, any synonym (case-insensitive), `logsumexp`, or `none`/absent for a zero score. */
  resolve(input: string | number | null | undefined): ResolvedClass {
    if (input === null || input === undefined) return { term: { kind: 'none' }, label: 'none' };
    const text = String(input).trim();
    const lower = text.toLowerCase();
    // An empty string is more likely a form field left blank by mistake than a wish for a zero score.
    if (lower === '') {
      throw new EngineError(
        'UNKNOWN_CLASS',
        'The class is empty: give a class name, index or WordNet id, "logsumexp", or "none" (or leave the class out) for a zero score.',
        { nearest: [] },
      );
    }
    if (lower === 'none') return { term: { kind: 'none' }, label: 'none' };
    if (lower === 'logsumexp') return { term: { kind: 'logsumexp' }, label: 'logsumexp' };
    if (/^\d+$/.test(text)) {
      const index = Number(text);
      if (index < this.classes.length) return this.termFor(this.classes[index]);
      throw new EngineError('UNKNOWN_CLASS', `Class index ${index} is out of range: use 0..${this.classes.length - 1}.`, { nearest: [] });
    }
    if (/^n\d{8}$/.test(lower)) {
      const c = this.classes.find((x) => x.wnid === lower);
      if (c) return this.termFor(c);
    }
    const matches = this.byName.get(lower);
    if (matches?.length) {
      // "missile" names two classes; the one whose primary name it is wins.
      return this.termFor(matches.find((c) => c.name.toLowerCase() === lower) ?? matches[0]);
    }
    const nearest = this.nearest(text, NEAREST_COUNT);
    throw new EngineError('UNKNOWN_CLASS', `Unknown class "${text}". Closest: ${nearest.map((n) => `"${n}"`).join(', ')}.`, { nearest });
  }

  /**
   * The distinct names closest to `text`: names that start with it first, then names with a word
   * that starts with it, then names that contain it (someone who typed "labrador" means
   * "Labrador retriever", not "laboratory"), then the rest by edit distance to the whole name or
   * to its nearest word (a typo in one word of a long name). Within a group the nearest by edit
   * distance come first, then class order.
   */
  nearest(text: string, count: number): string[] {
    const q = text.trim().toLowerCase();
    const scored: { name: string; tier: number; d: number }[] = [];
    for (const c of this.classes) {
      for (const s of c.synonyms) {
        const name = s.toLowerCase();
        const words = name.split(/[\s'-]+/).filter(Boolean);
        const tier = name.startsWith(q) ? 0 : words.some((w) => w.startsWith(q)) ? 1 : name.includes(q) ? 2 : 3;
        const whole = distance(q, name) / Math.max(q.length, name.length);
        // Among the matches, the names nearest in full come first (the shorter, the closer).
        const word = tier < 3 ? whole : Math.min(...words.map((w) => distance(q, w) / Math.max(q.length, w.length)));
        scored.push({ name: s, tier, d: Math.min(whole, word) });
      }
    }
    scored.sort((a, b) => a.tier - b.tier || a.d - b.d);
    const out: string[] = [];
    for (const s of scored) {
      if (!out.includes(s.name)) out.push(s.name);
      if (out.length === count) break;
    }
    return out;
  }

  /** Classes whose synonyms contain `query` (case-insensitive), primary-name matches first. */
  search(query: string, first = 20): ClassInfo[] {
    const q = query.trim().toLowerCase();
    if (!q) return this.classes.slice(0, first);
    const primary = this.classes.filter((c) => c.name.toLowerCase().includes(q));
    const other = this.classes.filter((c) => !primary.includes(c) && c.synonyms.some((s) => s.toLowerCase().includes(q)));
    return [...primary, ...other].slice(0, first);
  }

  private termFor(c: ClassInfo): ResolvedClass {
    return { term: { kind: 'class', index: c.index }, label: c.name };
  }
}
