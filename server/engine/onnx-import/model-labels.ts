import { readFileSync } from 'node:fs';
import { EngineError } from '../../errors/engine-error.js';

const clean = (s: string) => s.replace(/\s+/g, ' ').trim();

/** id2label ({"0": "tench, Tinca tinca", ...}) as a list by index; BAD_MODEL when indices are missing. */
function fromId2Label(id2label: unknown, classes: number, source: string): string[] {
  if (!id2label || typeof id2label !== 'object') throw new EngineError('BAD_MODEL', `${source}'s id2label is not an object.`);
  const entries = Array.isArray(id2label) ? id2label.map((v, i) => [String(i), v] as const) : Object.entries(id2label as object);
  if (entries.length !== classes) {
    throw new EngineError('BAD_MODEL', `${source} names ${entries.length} classes, but the model outputs ${classes} logits.`);
  }
  const out = new Array<string>(classes);
  for (const [k, v] of entries) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= classes)
      throw new EngineError('BAD_MODEL', `${source}'s id2label has a key "${k}" outside 0..${classes - 1}.`);
    out[i] = clean(String(v)) || `class ${i}`;
  }
  return out;
}

/**
 * The class names of an imported model, as labels.txt lines (labels.ts reads them; a comma
 * separates synonyms, as in ImageNet's labels): a `--labels` file (one class per line, or JSON
 * id2label), else config.json's id2label, else for 1000 logits the ImageNet labels the project
 * has (`imagenet`, labels.txt of the built-in model) and for 1001 the same behind a background
 * class, else `class 0` ... `class N-1`, said in `notes`.
 */
export function resolveLabels(
  classes: number,
  config: Record<string, unknown> | null,
  labelsFile: string | undefined,
  imagenet: string | undefined,
  notes: string[],
): string {
  let names: string[] | undefined;
  if (labelsFile) {
    let text: string;
    try {
      text = readFileSync(labelsFile, 'utf8');
    } catch (e) {
      throw new EngineError(
        'BAD_ARGUMENT',
        `Cannot read --labels ${labelsFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`,
      );
    }
    if (labelsFile.toLowerCase().endsWith('.json')) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new EngineError('BAD_ARGUMENT', `--labels ${labelsFile} is not valid JSON (${(e as Error).message}).`);
      }
      const j = json as Record<string, unknown>;
      names = fromId2Label(j && typeof j === 'object' && 'id2label' in j ? j.id2label : json, classes, labelsFile);
    } else {
      names = text.split(/\r?\n/).filter((l) => l.trim());
      if (names.length !== classes)
        throw new EngineError('BAD_ARGUMENT', `--labels ${labelsFile} has ${names.length} lines, but the model outputs ${classes} logits.`);
      return names.map(clean).join('\n');
    }
  } else if (config?.id2label !== undefined) {
    names = fromId2Label(config.id2label, classes, 'config.json');
  }
  if (names) return names.join('\n');
  if (imagenet && (classes === 1000 || classes === 1001)) {
    notes.push(
      classes === 1000
        ? 'no config.json with id2label: the 1000 logits take the ImageNet class names.'
        : 'no config.json with id2label: logit 0 is the background class, logits 1-1000 the ImageNet classes.',
    );
    const lines = imagenet.split('\n').filter((l) => l.trim());
    return (classes === 1001 ? ['background', ...lines] : lines).join('\n');
  }
  notes.push(`no class names (config.json's id2label or --labels): the ${classes} logits are called "class 0" to "class ${classes - 1}".`);
  return Array.from({ length: classes }, (_, i) => `class ${i}`).join('\n');
}
