// examples/browser/vad-worklet.js: an AudioWorklet processor that hands the microphone's samples to the page — mono
// float32 at the AudioContext's rate, in chunks of `processorOptions.chunk` samples. The audio thread only copies; the
// page runs the VAD (its model calls would not fit in a 128-sample render quantum's 2.7 ms at 48 kHz anyway).

class PcmCapture extends AudioWorkletProcessor {
  constructor({ processorOptions = {} }) {
    super();
    this.size = processorOptions.chunk ?? 2048;
    this.chunk = new Float32Array(this.size);
    this.fill = 0;
    this.port.onmessage = (e) => (this.stopped = e.data === 'stop');
  }

  process([channels]) {
    if (this.stopped) return false;
    // no channels until the microphone's track delivers; several are mixed down (their mean)
    if (!channels?.length) return true;
    const n = channels[0].length, k = channels.length;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let c = 0; c < k; c++) v += channels[c][i];
      this.chunk[this.fill++] = v / k;
      if (this.fill === this.size) {
        this.port.postMessage(this.chunk, [this.chunk.buffer]); // transferred: no copy, the page owns it now
        this.chunk = new Float32Array(this.size);
        this.fill = 0;
      }
    }
    return true;
  }
}

registerProcessor('pcm-capture', PcmCapture);
