// Diagnostic positions (code points, from the server) to editor offsets (UTF-16) (src/diag.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpToUtf16, rangeOnLine, rangeInText, describe } from '../../src/diag.js';

test('ASCII: line 2, column 5, span 4', () => {
  const t = 'x = 1\ny = phse(1, 0)\n';
  const r = rangeInText(t, 2, 5, 4);
  assert.equal(t.slice(r.from, r.to), 'phse');
});

test('characters outside the BMP count as one column but two UTF-16 units', () => {
  const line = '# 🎵 a = bad';
  assert.equal(cpToUtf16(line, 3), 4); // '#', ' ', '🎵' (2 units)
  const r = rangeOnLine(10, line, 9, 3); // column 9 = 'b', counting the emoji as one character
  assert.equal(line.slice(r.from - 10, r.to - 10), 'bad');
});

test('no position marks the whole line; an empty span still marks one character', () => {
  assert.deepEqual(rangeOnLine(0, 'abc', 0, 0), { from: 0, to: 3 });
  assert.deepEqual(rangeOnLine(0, 'abc', 2, 0), { from: 1, to: 2 });
});

test('positions past the end are clamped', () => {
  assert.deepEqual(rangeInText('ab\ncd', 9, 9, 2), { from: 5, to: 5 });
  assert.deepEqual(rangeOnLine(0, 'ab', 7, 3), { from: 2, to: 2 });
});

test('describe prints like the CLI', () => {
  assert.equal(describe({ line: 1, col: 19, severity: 'error', message: "unknown node 'phse'", hint: "did you mean 'phase'?" }),
    "1:19: error: unknown node 'phse' (hint: did you mean 'phase'?)");
});
