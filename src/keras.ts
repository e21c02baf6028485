// keras.ts: the lstm-wasm/keras entry — the Keras / TF.js model.json reader on its own (InferenceSession loads it by itself when needed).
export { loadKeras, kerasFromJson, kerasToModel, type KerasArtifacts, type KerasWeightSpec } from './formats/keras.js';
