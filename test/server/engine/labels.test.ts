import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../server/errors/engine-error.js';
import { Labels } from '../../../server/engine/labels.js';
import { sharedNetwork } from '../../helpers/fixtures.js';

const labels = Labels.parse(sharedNetwork().labelsText);
const index = (q: string | number) => {
  const t = labels.resolve(q).term;
  return t.kind === 'class' ? t.index : t.kind;
};

describe('class lookup', () => {
  it('finds classes by index, WordNet id and any synonym, case-insensitively (indices from PROVENANCE.md)', () => {
    expect(index('Labrador retriever')).toBe(208);
    expect(index('tiger cat')).toBe(282);
    expect(index('LEMON')).toBe(951);
    expect(index(' 154 ')).toBe(154);
    expect(index(883)).toBe(883);
    expect(index('n02099712')).toBe(208);
    expect(index('Sciurus niger')).toBe(335);
    expect(labels.resolve('vase').label).toBe('vase');
  });

  it('prefers the class whose primary name matches when a name fits several ("missile")', () => {
    const hits = labels.classes.filter((c) => c.synonyms.some((s) => s.toLowerCase() === 'missile'));
    expect(hits.length).toBeGreaterThan(1);
    const primary = hits.find((c) => c.name.toLowerCase() === 'missile')!;
    expect(index('missile')).toBe(primary.index);
  });

  it('treats logsumexp and none as special scores', () => {
    expect(index('logsumexp')).toBe('logsumexp');
    expect(index('none')).toBe('none');
    expect(index(null as any)).toBe('none');
  });

  it('refuses an empty or blank class string: a field left blank is not a wish for a zero score', () => {
    for (const blank of ['', '   ']) {
      expect(() => labels.resolve(blank)).toThrow(/^The class is empty: give a class name, index or WordNet id, "logsumexp", or "none"/);
      expect(() => labels.resolve(blank)).toThrow(expect.objectContaining({ code: 'UNKNOWN_CLASS' }));
    }
    expect(labels.resolve(undefined).label).toBe('none');
  });

  it('an unknown class lists the 5 closest names', () => {
    let err: EngineError | undefined;
    try {
      labels.resolve('labrador retreiver');
    } catch (e) {
      err = e as EngineError;
    }
    expect(err?.code).toBe('UNKNOWN_CLASS');
    const nearest = err!.details.nearest as string[];
    expect(nearest).toHaveLength(5);
    expect(nearest[0]).toBe('Labrador retriever');
    expect(err!.message).toContain('Labrador retriever');
    expect(() => labels.resolve('1000')).toThrow(/out of range/);
  });

  it('suggestions put names that start with, or have a word starting with, what was typed first', () => {
    // Edit distance alone ranked library, radiator, lavabo and laboratory coat ahead of it.
    expect(labels.nearest('labrador', 5)[0]).toBe('Labrador retriever');
    expect(labels.nearest('Labrador', 5)[0]).toBe('Labrador retriever');
    const tiger = labels.nearest('tige', 5);
    expect(tiger.slice(0, 4).every((n) => n.toLowerCase().startsWith('tige'))).toBe(true);
    // Word matches: every retriever before anything that merely resembles the word.
    const retrievers = labels.nearest('retriever', 6);
    expect(retrievers.slice(0, 5).every((n) => / retriever$/.test(n))).toBe(true);
    // A typo inside one word of a long name still finds it, by that word's edit distance.
    expect(labels.nearest('labradr', 5)[0]).toBe('Labrador retriever');
    expect(labels.nearest('lemmon', 5)[0]).toBe('lemon');
    expect(() => labels.resolve('labrador')).toThrow(/Unknown class "labrador"\. Closest: "Labrador retriever"/);
  });

  it('search puts primary-name matches first', () => {
    const r = labels.search('cat', 50);
    expect(r[0].name.toLowerCase()).toContain('cat');
    expect(r.some((c) => c.index === 282)).toBe(true);
  });
});
