export interface ClassLabel {
  index: number;
  name: string;
  /** WordNet id (`n02099712`), which the API accepts as the class too. */
  wnid?: string;
}

export interface ClassOption extends ClassLabel {
  /** One of the image's top predictions: offered first. */
  suggested: boolean;
}

/** Scores the API accepts besides a class: logsumexp over all classes (and `none`, a zero score). */
export const SPECIAL_SCORES: readonly ClassLabel[] = [{ index: -1, name: 'logsumexp' }];

/**
 * Autocomplete choices for a class field: the image's top predictions first, then labels that
 * start with the text, then labels that contain it; a number matches the class index and a
 * WordNet id (`n02099712`) its class.
 */
export function classOptions(query: string, classes: readonly ClassLabel[], suggested: readonly ClassLabel[], limit = 12): ClassOption[] {
  const q = query.trim().toLowerCase();
  const exact = (c: ClassLabel) => String(c.index) === q || c.wnid === q;
  const matches = (c: ClassLabel) => !q || c.name.toLowerCase().includes(q) || exact(c);
  const out: ClassOption[] = suggested.filter(matches).map((c) => ({ ...c, suggested: true }));
  if (q) {
    const seen = new Set(out.map((c) => c.name));
    const starts: ClassLabel[] = [];
    const contains: ClassLabel[] = [];
    for (const c of [...classes, ...SPECIAL_SCORES]) {
      if (seen.has(c.name)) continue;
      const name = c.name.toLowerCase();
      if (name.startsWith(q) || exact(c)) starts.push(c);
      else if (name.includes(q)) contains.push(c);
    }
    for (const c of [...starts, ...contains]) out.push({ ...c, suggested: false });
  }
  return out.slice(0, limit);
}
