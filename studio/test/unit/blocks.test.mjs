// The block editor's pure part (src/blocks.js): placement of blocks and sub-areas with their margins,
// hit-testing, gestures, the picker, help text, the keyboard cursor and the tooltip's placement.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  layout, hit, helpText, draw, gesture, pickerEntries, cellCenter, cellAt, clampCursor, moveCursor, nextArea, tipPosition, MARGIN, BW, BH,
} from '../../src/blocks.js';

// examples/blocks_if.json: get(in1) -> if, whose then-area holds 10 and else-area 20.
const snap = JSON.parse(readFileSync(new URL('../../../examples/blocks_if.json', import.meta.url), 'utf8'));

test('blocks sit on the grid; sub-areas hang under their if block, else under then', () => {
  const lay = layout(snap);
  assert.deepEqual(lay.areas.map((a) => a.id), [0, 1, 2]);
  const [root, then, els] = lay.areas;
  const get = root.blocks.find((b) => b.typ === 'get'), iff = root.blocks.find((b) => b.typ === 'if');
  assert.deepEqual([get.x, get.y, iff.x, iff.y], [0, 0, BW, 0]);
  assert.deepEqual([then.x, then.y], [iff.x + 4, iff.y + BH - 1]); // block.x + 4, block bottom - 1
  // Its one block and a margin of one free column and row, plus 0.3 * block width.
  assert.deepEqual([then.cols, then.rows, then.w, then.h], [2, 2, 2 * BW + 0.3 * BW, 2 * BH + 0.3 * BW]);
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

test('empty cells hit as grid cells, in the root and inside sub-areas; the frame is no cell', () => {
  const lay = layout(snap);
  assert.deepEqual(hit(lay, 5 * BW + 10, 2 * BH + 5), { block: null, area: 0, x: 5, y: 2, half: 0 });
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

// A snapshot: `areas` is a list of [size, blocks] with blocks as [typ, x, y, rows, contains].
const snapOf = (areas) => ({
  VERSION: 1,
  areas: areas.map(([size, bl]) => ({
    size, auto_shrink: true, header: '',
    blocks: bl.map(([typ, x, y, rows = 1, contains = [null, null]], i) => ({ x, y, block: { id: i + 1, typ, lbl: typ, rows, contains, inputs: [''], outputs: [''], color: 0 } })),
  })),
});

test('sub-areas show a margin of free cells beyond what they hold, and those cells hit-test as cells of that area', () => {
  assert.equal(MARGIN, 1);
  // if at (1,0); its then-area holds a 2-row + at (1,0) (size 2x2), its else-area is empty (1x1).
  const lay = layout(snapOf([[[16, 16], [['if', 1, 0, 1, [1, 2]]]], [[2, 2], [['+', 1, 0, 2]]], [[1, 1], []]]));
  const [, then, els] = lay.areas;
  assert.deepEqual([then.cols, then.rows], [3, 3]); // 2x2 used + 1
  assert.deepEqual([els.cols, els.rows], [1, 1]); // empty: just the margin
  assert.deepEqual([then.w, then.h], [3 * BW + 0.3 * BW, 3 * BH + 0.3 * BW]);
  assert.equal(els.y, then.y + then.h + 8); // else still under then
  const at = (area, x, y) => { const c = cellCenter(lay, area, x, y); return hit(lay, c.x, c.y); };
  assert.deepEqual(at(1, 2, 0), { block: null, area: 1, x: 2, y: 0, half: 0 }); // the margin column
  assert.deepEqual(at(1, 0, 2), { block: null, area: 1, x: 0, y: 2, half: 0 }); // the margin row
  assert.deepEqual(at(2, 0, 0), { block: null, area: 2, x: 0, y: 0, half: 0 }); // the empty else-area's one cell
  // Past the margin: the frame (null), then the root's cells again.
  assert.equal(hit(lay, then.x + then.w - 2, then.y + 20), null);
  const c = hit(lay, then.x + then.w + 2, then.y + 20);
  assert.equal(c.area, 0);
  // Nested: a sub-area's measure includes the sub-areas hanging in it, with their margins.
  const nested = layout(snapOf([[[16, 16], [['if', 0, 0, 1, [1, null]]]], [[2, 3], [['if', 0, 0, 1, [2, null]]]], [[1, 1], [['v', 0, 0]]]]));
  const [, outer, inner] = nested.areas;
  assert.ok(inner.x + inner.w <= outer.x + outer.w - 4 && inner.y + inner.h <= outer.y + outer.h - 4, 'the inner area stays inside the outer frame');
  assert.ok(outer.cols >= 3 && outer.rows >= 4, `${outer.cols}x${outer.rows}`);
});

test('a block of the parent under a sub-area margin stays on top: drawn over it and hit first', () => {
  // if at (0,0), a value at (1,1) of the root: under the then-area's margin column.
  const lay = layout(snapOf([[[16, 16], [['if', 0, 0, 1, [1, null]], ['value', 1, 1]]], [[1, 1], [['sin', 0, 0]]]]));
  const then = lay.areas[1], v = lay.areas[0].blocks[1];
  assert.ok(v.x < then.x + then.w && v.y < then.y + then.h, 'the value lies under the then-area');
  const h = hit(lay, v.x + 10, v.y + 10);
  assert.deepEqual([h.area, h.block && h.block.typ], [0, 'value']);
  // draw() paints every area's frame before any block: the value's border is over the frame.
  const calls = [];
  const g = new Proxy({}, { get: (_, k) => (typeof k === 'string' && /^(fill|stroke)(Rect|Text)$/.test(k) ? (...a) => calls.push([k, g.fillStyle, ...a]) : undefined), set: (o, k, val) => { o[k] = val; return true; } });
  draw(g, lay, null);
  const frame = calls.findIndex((c) => c[0] === 'fillRect' && c[2] === then.x && c[3] === then.y);
  const block = calls.findIndex((c) => c[0] === 'fillRect' && c[2] === v.x && c[3] === v.y);
  assert.ok(frame >= 0 && block > frame, `frame at ${frame}, block at ${block}`);
});

test('the keyboard cursor moves cell by cell inside its area, margin included, and Tab order goes through the areas', () => {
  const lay = layout(snap); // get at (0,0), if at (1,0); then-area (1) holds 10, else-area (2) holds 20
  let c = clampCursor(lay, null);
  assert.deepEqual(c, { area: 0, x: 0, y: 0 });
  c = moveCursor(lay, c, -1, 0);
  assert.deepEqual(c, { area: 0, x: 0, y: 0 }); // stops at the edge
  c = moveCursor(lay, moveCursor(lay, c, 1, 0), 0, 1);
  assert.deepEqual(c, { area: 0, x: 1, y: 1 });
  assert.equal(cellAt(lay, 0, 1, 0).block.typ, 'if');
  assert.deepEqual(cellAt(lay, 0, 1, 1), { block: null, area: 0, x: 1, y: 1 });
  // The then-area: its block, then the margin column, and no further.
  assert.equal(nextArea(lay, c, 1), 1);
  let t = clampCursor(lay, { area: 1 });
  assert.deepEqual(t, { area: 1, x: 0, y: 0 });
  assert.equal(cellAt(lay, 1, 0, 0).block.lbl, '10');
  t = moveCursor(lay, t, 1, 0);
  assert.deepEqual(t, { area: 1, x: 1, y: 0 });
  assert.deepEqual(moveCursor(lay, t, 1, 1), { area: 1, x: 1, y: 1 });
  assert.deepEqual(moveCursor(lay, t, 5, 5), { area: 1, x: 1, y: 1 });
  assert.equal(nextArea(lay, t, 1), 2);
  assert.equal(nextArea(lay, { area: 2, x: 0, y: 0 }, 1), null); // past the last: the focus leaves the grid
  assert.equal(nextArea(lay, c, -1), null);
  assert.equal(nextArea(lay, t, -1), 0);
  // A cursor in an area the layout no longer has goes to the root; one past a shrunk area is pulled in.
  assert.deepEqual(clampCursor(lay, { area: 9, x: 3, y: 3 }), { area: 0, x: 0, y: 0 });
  assert.deepEqual(clampCursor(lay, { area: 2, x: 7, y: -2 }), { area: 2, x: 1, y: 0 });
  // The root's cells start at its leftmost block: a block at x = -2 makes -2 the first column.
  const neg = layout(snapOf([[[16, 16], [['sin', -2, 0]]]]));
  assert.deepEqual(moveCursor(neg, { area: 0, x: -1, y: 0 }, -5, 0), { area: 0, x: -2, y: 0 });
});

test('the help for the keyboard cursor names both ports of the row', () => {
  const lay = layout(snap);
  const types = [{ name: 'if', category: 'variables', description: 'Divides the controlflow' }];
  assert.equal(helpText(cellAt(lay, 0, 1, 0), types), "if (variables): Divides the controlflow · input (unnamed) · output (unnamed)");
});

test('the tooltip goes under the hovered block by the pointer, above it when there is no room, and stays in the window', () => {
  const win = { w: 800, h: 600 }, tip = { w: 200, h: 40 };
  const block = { x: 100, y: 100, w: 75, h: 60 };
  const overlaps = (p) => p.left < block.x + block.w && p.left + tip.w > block.x && p.top < block.y + block.h && p.top + tip.h > block.y;
  let p = tipPosition(block, tip, win, 130);
  assert.deepEqual(p, { left: 142, top: 166 });
  assert.equal(overlaps(p), false);
  // Near the bottom: above the block.
  const low = { x: 100, y: 540, w: 75, h: 30 };
  p = tipPosition(low, tip, win, 130);
  assert.deepEqual(p, { left: 142, top: 540 - 6 - 40 });
  // Near the right edge: moved left to stay inside the window.
  p = tipPosition({ x: 760, y: 100, w: 75, h: 30 }, tip, win, 790);
  assert.equal(p.left, 600);
  // A window too small for either side: its top left corner, over the block (no better place).
  assert.deepEqual(tipPosition({ x: 10, y: 10, w: 75, h: 80 }, tip, { w: 150, h: 100 }, 20), { left: 0, top: 0 });
});
