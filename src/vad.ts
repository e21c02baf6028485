// vad.ts: the lstm-wasm/vad entry — voice activity detection (Silero VAD), WAV reading and resampling.
export { createVad, speechTimestamps, Vad, type VadEvent, type VadFrame, type VadOptions, type SpeechSegment } from './vad/vad.js';
export { speechSegments, SpeechTracker, type Segment, type SegmentOptions, type SpeechEvent, type StreamOptions } from './vad/detect.js';
export { readWav, type Wav } from './audio/wav.js';
export { Resampler, resample } from './audio/resample.js';
