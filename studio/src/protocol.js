// The studio's WebSocket protocol (docs/studio.md): JSON text messages both ways, binary messages
// from the server for audio. Pure functions, tested with node --test.
export const PROTO = 1;
export const KIND_AUDIO = 1;
export const HEADER_BYTES = 16;
export const PARAMS = ['in1', 'in2', 'alpha', 'beta', 'delta', 'gamma'];

// Decodes a binary message: a 16-byte little-endian header (kind, seq, frames, channels: u32 each)
// and frames*channels float32 samples. Returns null if malformed.
export function decodeBinary(buf) {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength < HEADER_BYTES) return null;
  const dv = new DataView(buf);
  const kind = dv.getUint32(0, true);
  const seq = dv.getUint32(4, true);
  const frames = dv.getUint32(8, true);
  const channels = dv.getUint32(12, true);
  if (channels < 1 || channels > 8) return null;
  if (buf.byteLength !== HEADER_BYTES + frames * channels * 4) return null;
  return { kind, seq, frames, channels, samples: new Float32Array(buf, HEADER_BYTES, frames * channels) };
}

// The inverse (tests and tools).
export function encodeBinary(kind, seq, channels, samples) {
  const frames = samples.length / channels;
  const buf = new ArrayBuffer(HEADER_BYTES + samples.length * 4);
  const dv = new DataView(buf);
  dv.setUint32(0, kind, true);
  dv.setUint32(4, seq, true);
  dv.setUint32(8, frames, true);
  dv.setUint32(12, channels, true);
  new Float32Array(buf, HEADER_BYTES).set(samples);
  return buf;
}

// Parses a text message from the server; null if it is not an object with a string type.
export function parseServerMessage(text) {
  let m;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object' || Array.isArray(m) || typeof m.type !== 'string') return null;
  return m;
}

// Client messages.
export const msg = {
  hello: () => ({ type: 'hello', proto: PROTO }),
  textSet: (req, base, text) => ({ type: 'text.set', req, base, text }),
  paramSet: (id, value, rampMs = 20) => ({ type: 'param.set', id, value, ramp_ms: rampMs }),
  audioStart: (rate, targetMs) => ({ type: 'audio.start', mode: 'browser', rate, channels: 2, target_ms: targetMs }),
  audioCredit: (frames) => ({ type: 'audio.credit', frames }),
  audioStop: () => ({ type: 'audio.stop' }),
  jackStart: () => ({ type: 'audio.start', mode: 'jack' }),
  jackStop: () => ({ type: 'audio.stop', mode: 'jack' }),
};

// Reconnection delays: 250 ms doubling to 4 s.
export function backoffMs(attempt) {
  return Math.min(4000, 250 * 2 ** Math.min(attempt, 4));
}

// The WebSocket URL for the page at `loc` (a Location or URL) and a token.
export function wsUrl(loc, token) {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}/ws?t=${encodeURIComponent(token)}`;
}

// Scope frames (binary kind 2): the header's frames = points per input (512), channels = inputs
// (3); then 16 floats of settings and, per input, `points` (max, min) pairs. Returns null if
// malformed.
export const KIND_SCOPE = 2;
export const SCOPE_META = 16;
export const TRIGGERS = ['off', 'sig1', 'ext'];
export function decodeScope(buf) {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength < HEADER_BYTES) return null;
  const dv = new DataView(buf);
  const kind = dv.getUint32(0, true), sweep = dv.getUint32(4, true);
  const points = dv.getUint32(8, true), inputs = dv.getUint32(12, true);
  if (kind !== KIND_SCOPE || inputs < 1 || inputs > 8 || points < 1 || points > 65536) return null;
  if (buf.byteLength !== HEADER_BYTES + (SCOPE_META + inputs * points * 2) * 4) return null;
  const f = new Float32Array(buf, HEADER_BYTES);
  const traces = [];
  for (let i = 0; i < inputs; i++) {
    const pts = f.subarray(SCOPE_META + i * points * 2, SCOPE_META + (i + 1) * points * 2);
    traces.push({ active: f[i] !== 0, offset: f[3 + i], gain: f[6 + i], points: pts });
  }
  return {
    sweep, points, traces, trigger: TRIGGERS[f[9]] || 'off', threshold: f[10], timeMs: f[11], filled: f[12], srate: f[13],
  };
}

export function encodeScope(sweep, meta, traces) {
  const points = traces[0].length / 2;
  const f = new Float32Array(SCOPE_META + traces.length * points * 2);
  f.set(meta.slice(0, SCOPE_META));
  traces.forEach((t, i) => f.set(t, SCOPE_META + i * points * 2));
  const buf = new ArrayBuffer(HEADER_BYTES + f.length * 4);
  const dv = new DataView(buf);
  dv.setUint32(0, KIND_SCOPE, true);
  dv.setUint32(4, sweep, true);
  dv.setUint32(8, points, true);
  dv.setUint32(12, traces.length, true);
  new Float32Array(buf, HEADER_BYTES).set(f);
  return buf;
}

// The peek at the first u32 that tells audio from scope frames.
export function binaryKind(buf) {
  return buf instanceof ArrayBuffer && buf.byteLength >= 4 ? new DataView(buf).getUint32(0, true) : -1;
}
