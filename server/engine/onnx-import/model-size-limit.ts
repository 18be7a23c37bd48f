/**
 * The largest model (graph plus external data) an import reads, unless MAX_MODEL_BYTES says
 * otherwise; apart from the file reader so that settings can name it without loading the ONNX
 * protobuf code.
 */
export const DEFAULT_MAX_MODEL_BYTES = 1024 ** 3;
