// examples/browser/vad.js: the microphone page's script — an AudioWorklet captures PCM, createVad (Silero VAD on
// lstm-wasm) turns it into a speech probability per 32 ms frame and speech start/end events, a canvas draws them live.
import { createVad } from '../../dist/vad.js'; // in your project: from 'lstm-wasm/vad'

const $ = (id) => document.getElementById(id);
const state = (key, value) => { document.body.dataset[key] = value; }; // what the Chromium test waits for
const SPAN = 10; // seconds shown on the chart
const THRESHOLD = 0.5;

/** What the page has seen (also read by the Chromium test): frames {index, time, prob}, events {type, time, frame}. */
const log = { sampleRate: 0, frames: [], events: [] };
window.vadLog = log;
let listening; // { ctx, stream, node } while the microphone is on

async function listen() {
  if (!navigator.mediaDevices || !window.AudioWorkletNode) {
    throw new Error('the microphone and AudioWorklet need a secure context: open the page on https:// or http://localhost');
  }
  $('listen').disabled = true;
  $('status').textContent = 'loading the model…';
  // The context runs at the device's rate (often 48 kHz); createVad resamples to the model's 16 kHz as it goes.
  const ctx = new AudioContext();
  await ctx.audioWorklet.addModule(new URL('./vad-worklet.js', import.meta.url));
  const vad = await createVad({ sampleRate: ctx.sampleRate }); // the default model: dist/models/silero_vad.onnx
  // The model is ready before the microphone opens, so no audio waits for it. Raw samples: the browser's echo
  // cancellation, noise suppression and gain control would change what the model hears.
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const node = new AudioWorkletNode(ctx, 'pcm-capture', { processorOptions: { chunk: 2048 } });
  ctx.createMediaStreamSource(stream).connect(node);
  node.connect(ctx.destination); // the node writes nothing: silence out, but connected it is pulled in every browser
  Object.assign(log, { sampleRate: ctx.sampleRate, frames: [], events: [] });
  listening = { ctx, stream, node };

  // Vad.push takes one chunk at a time, in order: chunks wait on the previous one (a 2048-sample chunk at 48 kHz is
  // 43 ms of audio; the model needs a fraction of a millisecond per 32 ms frame, so the queue stays empty).
  let queue = Promise.resolve(), spent = 0;
  node.port.onmessage = ({ data }) => {
    queue = queue.then(async () => {
      const t0 = performance.now();
      const { frames, events } = await vad.push(data);
      spent += performance.now() - t0;
      log.frames.push(...frames);
      for (const e of events) addEvent(e);
      const seconds = log.frames.length * 0.032;
      $('status').textContent = `listening at ${ctx.sampleRate} Hz · ${log.frames.length} frames (${seconds.toFixed(1)} s) · ` +
        `${log.frames.length ? ((spent * 1000) / log.frames.length).toFixed(0) : 0} µs per frame, resampling included`;
    }).catch(fail);
  };
  $('listen').textContent = 'Stop';
  $('listen').disabled = false;
  $('status').textContent = `listening at ${ctx.sampleRate} Hz…`;
  state('vad', 'listening');
}

async function stop() {
  const { ctx, stream, node } = listening;
  listening = undefined;
  node.port.postMessage('stop');
  for (const t of stream.getTracks()) t.stop();
  await ctx.close();
  $('listen').textContent = 'Listen';
  $('status').textContent = 'stopped';
  state('vad', 'stopped');
}

const clock = (s) => `${Math.floor(s / 60)}:${(s % 60).toFixed(2).padStart(5, '0')}`;

function addEvent(e) {
  log.events.push(e);
  if (e.type === 'speechstart') {
    const li = document.createElement('li');
    li.textContent = `speech from ${clock(e.time)} …`;
    $('events').prepend(li);
  } else {
    const start = log.events.findLast((x) => x.type === 'speechstart');
    $('events').firstElementChild.textContent = `speech ${clock(start.time)} – ${clock(e.time)} (${(e.time - start.time).toFixed(2)} s)`;
  }
  $('speaking').classList.toggle('on', e.type === 'speechstart');
  state('events', String(log.events.length));
}

/** The last SPAN seconds: probability per frame, the threshold, speech from its start event to its end event shaded. */
function draw() {
  const c = $('chart'), g = c.getContext('2d'), pad = 24, w = c.width - 2 * pad, h = c.height - 2 * pad;
  const now = log.frames.length ? log.frames.at(-1).time + 0.032 : 0, from = Math.max(0, now - SPAN);
  const x = (t) => pad + ((t - from) / SPAN) * w, y = (p) => pad + (1 - p) * h;
  g.clearRect(0, 0, c.width, c.height);
  g.fillStyle = 'rgba(46, 160, 67, 0.16)';
  for (let i = 0; i < log.events.length; i += 2) {
    const start = log.events[i].time, end = log.events[i + 1]?.time ?? now;
    if (end > from) g.fillRect(x(Math.max(start, from)), pad, x(end) - x(Math.max(start, from)), h);
  }
  g.strokeStyle = '#c9ced8';
  g.lineWidth = 2;
  g.setLineDash([10, 8]);
  g.beginPath();
  g.moveTo(pad, y(THRESHOLD));
  g.lineTo(pad + w, y(THRESHOLD));
  g.stroke();
  g.setLineDash([]);
  g.strokeStyle = '#0b5cad';
  g.lineWidth = 4;
  g.beginPath();
  let first = true;
  for (let i = log.frames.length - 1; i >= 0 && log.frames[i].time >= from; i--) {
    const f = log.frames[i];
    (first ? g.moveTo : g.lineTo).call(g, x(f.time + 0.016), y(f.prob));
    first = false;
  }
  g.stroke();
  requestAnimationFrame(draw);
}

function fail(e) {
  $('status').textContent = `${e.name}: ${e.message}`;
  $('listen').disabled = false;
  state('error', `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}`);
}

$('listen').onclick = () => (listening ? stop() : listen()).catch(fail);
requestAnimationFrame(draw);
