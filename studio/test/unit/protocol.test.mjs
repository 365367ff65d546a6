// Message codecs (src/protocol.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { decodeBinary, encodeBinary, parseServerMessage, msg, backoffMs, wsUrl, HEADER_BYTES } from '../../src/protocol.js';

test('binary audio messages round-trip', () => {
  const s = Float32Array.from([0.5, -0.5, 0.25, -0.25]);
  const b = encodeBinary(1, 7, 2, s);
  assert.equal(b.byteLength, HEADER_BYTES + 16);
  const f = decodeBinary(b);
  assert.deepEqual({ kind: f.kind, seq: f.seq, frames: f.frames, channels: f.channels }, { kind: 1, seq: 7, frames: 2, channels: 2 });
  assert.deepEqual([...f.samples], [0.5, -0.5, 0.25, -0.25]);
});

test('the header is little-endian u32 kind, seq, frames, channels (what the C server writes)', () => {
  const b = new Uint8Array(encodeBinary(1, 0x01020304, 2, new Float32Array(2)));
  assert.deepEqual([...b.subarray(0, 16)], [1, 0, 0, 0, 4, 3, 2, 1, 1, 0, 0, 0, 2, 0, 0, 0]);
});

test('malformed binary messages are refused', () => {
  assert.equal(decodeBinary(new ArrayBuffer(8)), null);
  const b = encodeBinary(1, 0, 2, new Float32Array(4));
  assert.equal(decodeBinary(b.slice(0, b.byteLength - 4)), null); // length disagrees with the header
  const z = encodeBinary(1, 0, 2, new Float32Array(4));
  new DataView(z).setUint32(12, 0, true);
  assert.equal(decodeBinary(z), null); // zero channels
});

test('text messages must be objects with a string type', () => {
  assert.deepEqual(parseServerMessage('{"type":"hello","proto":1}'), { type: 'hello', proto: 1 });
  for (const bad of ['', 'nope', '[1]', '{"type":3}', 'null', '{"x":1}']) assert.equal(parseServerMessage(bad), null, bad);
});

test('client messages have the documented shapes', () => {
  assert.deepEqual(msg.hello(), { type: 'hello', proto: 1 });
  assert.deepEqual(msg.textSet(3, 2, 'x = 1'), { type: 'text.set', req: 3, base: 2, text: 'x = 1' });
  assert.deepEqual(msg.paramSet('alpha', 0.5), { type: 'param.set', id: 'alpha', value: 0.5, ramp_ms: 20 });
  assert.deepEqual(msg.audioCredit(256), { type: 'audio.credit', frames: 256 });
  assert.equal(msg.audioStart(48000, 50).mode, 'browser');
  assert.deepEqual(msg.jackStart(), { type: 'audio.start', mode: 'jack' });
  assert.deepEqual(msg.jackStop(), { type: 'audio.stop', mode: 'jack' });
});

test('reconnection backs off from 250 ms to 4 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map(backoffMs), [250, 500, 1000, 2000, 4000, 4000, 4000]);
});

test('the WebSocket URL keeps the host and carries the token', () => {
  assert.equal(wsUrl(new URL('http://127.0.0.1:8765/?x=1'), 'abc'), 'ws://127.0.0.1:8765/ws?t=abc');
});

import { decodeScope, encodeScope, binaryKind, SCOPE_META } from '../../src/protocol.js';

test('scope frames decode into three traces with their settings', () => {
  const meta = new Float32Array(SCOPE_META);
  meta.set([1, 1, 0, 0, 0.5, 0, 1, 0.5, 1, 1, 0.25, 20, 512, 48000]);
  const t = (base) => Float32Array.from({ length: 8 }, (_, i) => base + i);
  const buf = encodeScope(9, meta, [t(0), t(10), t(20)]);
  assert.equal(binaryKind(buf), 2);
  const f = decodeScope(buf);
  assert.equal(f.sweep, 9);
  assert.equal(f.points, 4);
  assert.deepEqual(f.traces.map((x) => x.active), [true, true, false]);
  assert.deepEqual(f.traces.map((x) => x.offset), [0, 0.5, 0]);
  assert.deepEqual(f.traces.map((x) => x.gain), [1, 0.5, 1]);
  assert.equal(f.trigger, 'sig1');
  assert.equal(f.threshold, 0.25);
  assert.equal(f.timeMs, 20);
  assert.deepEqual([...f.traces[1].points], [10, 11, 12, 13, 14, 15, 16, 17]);
  assert.equal(decodeScope(buf.slice(0, buf.byteLength - 4)), null);
  assert.equal(decodeScope(encodeBinary(1, 0, 2, new Float32Array(4))), null);
});
