/** The importModel mutation's files, from what a user picked: a bare .onnx or the files of an exported folder. */
export interface ModelUploadFiles {
  model: File;
  config: File | null;
  preprocessorConfig: File | null;
  labels: File | null;
  externalData: File[] | null;
}

/**
 * Sorts picked files by their names into the roles Hugging Face's export layout gives them:
 * the one `.onnx` is the model, `config.json` and `preprocessor_config.json` its configs, a `.txt`
 * its labels, and anything else the external data the `.onnx` refers to by name. Other JSON files
 * an exporter writes beside them (tokenizer, special tokens) are left out.
 */
export function modelUpload(files: readonly File[]): ModelUploadFiles | { error: string } {
  const base = (f: File) => f.name.split(/[\\/]/).pop() ?? f.name;
  const onnx = files.filter((f) => /\.onnx$/i.test(base(f)));
  if (onnx.length === 0)
    return { error: 'Choose the model’s .onnx file (and, if you have them, its config.json, preprocessor_config.json or labels file).' };
  if (onnx.length > 1) return { error: `Choose one .onnx file, not ${onnx.length} (${onnx.map(base).join(', ')}).` };
  const named = (name: string) => files.find((f) => base(f).toLowerCase() === name) ?? null;
  const labels = files.find((f) => /\.txt$/i.test(base(f))) ?? null;
  const externalData = files.filter((f) => !onnx.includes(f) && !/\.(json|txt|md)$/i.test(base(f)));
  return {
    model: onnx[0],
    config: named('config.json'),
    preprocessorConfig: named('preprocessor_config.json'),
    labels,
    externalData: externalData.length ? externalData : null,
  };
}
