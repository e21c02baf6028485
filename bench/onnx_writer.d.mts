// bench/onnx_writer.d.mts: types of the minimal ONNX writer (bench/onnx_writer.mjs), for the tests that use it.
export interface WriterNode { op: string; inputs: string[]; outputs: string[]; name?: string; attrs?: Record<string, number | string | number[] | string[]> }
export interface WriterTensor { name: string; dims: number[]; data: Float32Array | number[] }
export interface WriterValue { name: string; dims: (number | string)[]; type?: number }
export function encodeModel(m: { nodes: WriterNode[]; initializers: WriterTensor[]; inputs: WriterValue[]; outputs: WriterValue[]; opset?: number }): Uint8Array;
