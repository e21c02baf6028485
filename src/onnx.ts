// onnx.ts: the lstm-wasm/onnx entry — the ONNX reader on its own (InferenceSession loads it by itself when needed).
export { onnxToModel, tensorOf, OPSET_RANGE } from './formats/onnx.js';
export { decodeModel, type OnnxModelProto, type OnnxGraphProto, type OnnxNodeProto, type OnnxTensorProto } from './formats/onnx_proto.js';
