// Scope geometry and labels (src/scope.js), as the reference's widget computes them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { valueY, traceRange, label, sliderToMs, msToSlider } from '../../src/scope.js';

test('values map as (1 - ((v*gain + offs)*0.5 + 0.5)) * h', () => {
  assert.equal(valueY(1, 1, 0, 200), 0);
  assert.equal(valueY(-1, 1, 0, 200), 200);
  assert.equal(valueY(0, 1, 0, 200), 100);
  assert.equal(valueY(0, 0.5, 0.5, 200), 50); // trace offset 0.5: its zero line is a quarter down
  assert.equal(valueY(1, 0.5, 0.5, 200), 0);
});

test('range and label over (max, min) pairs, skipping NaN', () => {
  const r = traceRange(Float32Array.from([0.5, -0.25, NaN, NaN, 0.75, 0]));
  assert.deepEqual(r, { min: -0.25, max: 0.75, rng: 1 });
  assert.equal(label('sig1', r), 'sig1 min: -0.250 max:  0.750 rng:  1.000');
  assert.equal(traceRange(Float32Array.from([NaN, NaN])), null);
});

test('the time slider spans 0.1 ms to 300 s logarithmically', () => {
  assert.ok(Math.abs(sliderToMs(0) - 0.1) < 1e-9);
  assert.ok(Math.abs(sliderToMs(1000) - 300000) < 1e-6);
  assert.equal(msToSlider(20), Math.round(1000 * Math.log(200) / Math.log(3e6)));
  for (const p of [0, 123, 500, 999]) assert.equal(msToSlider(sliderToMs(p)), p);
});
