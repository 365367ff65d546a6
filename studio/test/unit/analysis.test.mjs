// Level, frequency and scope envelope (src/analysis.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { rms, zeroCrossingHz, minMaxColumns } from '../../src/analysis.js';

const sine = (hz, amp, rate, n, ph = 0.1) => Float32Array.from({ length: n }, (_, i) => amp * Math.sin(2 * Math.PI * hz * i / rate + ph));

test('a 0.5 sine has RMS 0.5/sqrt(2) = 0.35355', () => {
  assert.ok(Math.abs(rms(sine(440, 0.5, 48000, 48000)) - 0.5 / Math.SQRT2) < 1e-4);
});

test('zero crossings give the frequency within 0.1 Hz over 0.68 s', () => {
  for (const hz of [220, 440, 660, 1000]) assert.ok(Math.abs(zeroCrossingHz(sine(hz, 0.3, 48000, 32768), 48000) - hz) < 0.1, String(hz));
  assert.equal(zeroCrossingHz(new Float32Array(100), 48000), 0);
});

test('min/max columns cover every sample', () => {
  const { min, max } = minMaxColumns(Float32Array.from([0, 1, -1, 0.5, 2, -2, 0, 0]), 4);
  assert.deepEqual([...min], [0, -1, -2, 0]);
  assert.deepEqual([...max], [1, 0.5, 2, 0]);
});
