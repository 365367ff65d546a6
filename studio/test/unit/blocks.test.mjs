// Block view geometry (src/blocks.js): placement of blocks and sub-areas, hit-testing, help text.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { layout, hit, helpText, BW, BH } from '../../src/blocks.js';

// examples/blocks_if.json: get(in1) -> if, whose then-area holds 10 and else-area 20.
const snap = JSON.parse(readFileSync(new URL('../../../examples/blocks_if.json', import.meta.url), 'utf8'));

test('blocks sit on the grid; sub-areas hang under their if block, else under then', () => {
  const lay = layout(snap);
  assert.deepEqual(lay.areas.map((a) => a.id), [0, 1, 2]);
  const [root, then, els] = lay.areas;
  const get = root.blocks.find((b) => b.typ === 'get'), iff = root.blocks.find((b) => b.typ === 'if');
  assert.deepEqual([get.x, get.y, iff.x, iff.y], [0, 0, BW, 0]);
  assert.deepEqual([then.x, then.y], [iff.x + 4, iff.y + BH - 1]); // block.x + 4, block bottom - 1
  assert.deepEqual([then.w, then.h], [BW + 0.3 * BW, BH + 0.3 * BW]); // size + 0.3 * block width
  assert.equal(then.color, '#922f93'); // the frame takes the if block's colour (STD_COLORS[0])
  assert.equal(els.y, then.y + then.h + 8);
  assert.equal(then.blocks[0].lbl, '10');
  assert.deepEqual([then.blocks[0].x, then.blocks[0].y], [then.x + 0.15 * BW, then.y + 0.15 * BW]);
});

test('hit-testing finds the deepest block, its row and its half', () => {
  const lay = layout(snap);
  const ten = lay.areas[1].blocks[0];
  const h = hit(lay, ten.x + 5, ten.y + 5);
  assert.equal(h.block.lbl, '10');
  assert.equal(h.area, 1);
  assert.equal(h.half, 0);
  const iff = lay.areas[0].blocks.find((b) => b.typ === 'if');
  const h2 = hit(lay, iff.x + BW - 5, iff.y + 5);
  assert.deepEqual([h2.block.typ, h2.row, h2.half], ['if', 0, 1]);
  assert.equal(hit(lay, 5 * BW, 3 * BH).block, null); // an empty cell of the root
});

test('the help line names the type, its category, its description and the port', () => {
  const lay = layout(snap);
  const get = lay.areas[0].blocks.find((b) => b.typ === 'get');
  const types = [{ name: 'get', category: 'variables', description: 'Loads a variable' }];
  assert.equal(helpText({ block: get, row: 0, half: 1 }, types), 'get (variables): Loads a variable · output (unnamed)');
  assert.equal(helpText({ block: null }, types), '');
});

import { gesture, pickerEntries, cellCenter } from '../../src/blocks.js';

test('empty cells hit as grid cells, in the root and inside sub-areas; the frame is no cell', () => {
  const lay = layout(snap);
  assert.deepEqual(hit(lay, 3 * BW + 10, 2 * BH + 5), { block: null, area: 0, x: 3, y: 2, half: 0 });
  const then = lay.areas[1];
  assert.equal(hit(lay, then.x + 1, then.y + then.h / 2), null); // on the frame
  const c = cellCenter(lay, 0, 5, 1, 1);
  assert.deepEqual(hit(lay, c.x, c.y), { block: null, area: 0, x: 5, y: 1, half: 1 });
});

test('gestures map as in the reference', () => {
  const lay = layout(snap);
  const at = (area, x, y, half = 0) => { const c = cellCenter(lay, area, x, y, half); return hit(lay, c.x, c.y); };
  const empty = at(0, 4, 2), empty2 = at(0, 6, 3), get = at(0, 0, 0), getOut = at(0, 0, 0, 1);
  assert.deepEqual(gesture(empty, empty, 0), { kind: 'picker', area: 0, x: 4, y: 2 });
  assert.equal(gesture(get, get, 0).kind, 'menu');
  assert.deepEqual(gesture(getOut, getOut, 2).op, { op: 'shift_port', area: 0, x: 0, y: 0, row: 0, output: true });
  assert.deepEqual(gesture(get, empty, 0).op, { op: 'move_chain', area: 0, x: 0, y: 0, to_area: 0, to_x: 4, to_y: 2 });
  assert.deepEqual(gesture(get, empty, 2).op.op, 'move_block');
  assert.deepEqual(gesture(empty, get, 0).op, { op: 'clone_block', area: 0, x: 0, y: 0, to_area: 0, to_x: 4, to_y: 2 });
  assert.deepEqual(gesture(empty, empty2, 0).op, { op: 'instantiate', area: 0, x: 6, y: 3, typ: '->' });
  assert.equal(gesture(get, at(0, 1, 0), 0), null); // block onto block: nothing
  assert.equal(gesture(get, getOut, 0), null); // inside one block from input to output half: nothing
  const ten = at(1, 0, 0);
  assert.deepEqual(gesture(ten, empty, 0).op, { op: 'move_chain', area: 1, x: 0, y: 0, to_area: 0, to_x: 4, to_y: 2 });
});

test('the picker lists "(cate) name" sorted by category and name, filtered by what is typed', () => {
  const types = [{ name: '+', category: 'arithmetics' }, { name: 'value', category: 'literals' }, { name: '-', category: 'arithmetics' }];
  assert.deepEqual(pickerEntries(types).map((t) => t.label), ['(arit) +', '(arit) -', '(lite) value']);
  assert.deepEqual(pickerEntries(types, 'val').map((t) => t.label), ['(lite) value']);
  const fns = [{ name: 'fsin', category: 'functions' }, { name: 'sin', category: 'nodes' }, { name: 'sinh', category: 'functions' }];
  assert.deepEqual(pickerEntries(fns, 'sin').map((t) => t.name), ['sin', 'sinh', 'fsin']); // exact, prefix, the rest
});
