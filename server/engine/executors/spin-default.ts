/**
 * The default bound on ONNX Runtime's intra-op spinning, in microseconds (SessionSettings.spinning),
 * in a module of its own: settings read it, and importing the session cache for it would load the
 * ONNX protobuf code into every process that reads settings.
 */
export const DEFAULT_SPIN_US = 100;
