// End-to-end: placing blocks beyond an area's current size (the margin of free cells every area
// shows), and editing with the keyboard alone: the cursor, the picker, the menu, Delete and Tab
// through the areas (docs/studio.md, "Block editor").
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openStudio } from './harness.mjs';
import { blockPage } from './blockpage.mjs';

let st, page, consoleErrors;
let blocksNow, at, op, click, pixel, names, pick, waitCompiled;

before(async () => {
  // get(in1) -> if, whose then-area holds 10 and else-area 20 (each 1x1).
  st = await openStudio({ example: 'blocks_if.json', name: 'if.json', viewport: { width: 1200, height: 700 } });
  ({ page, consoleErrors } = st);
  ({ blocksNow, at, op, click, pixel, names, pick, waitCompiled } = blockPage(page));
});

after(async () => {
  if (st) await st.close();
});

const area = async (id) => (await blocksNow()).find((a) => a.id === id);
const savedSizes = () => JSON.parse(readFileSync(st.file, 'utf8')).areas.map((a) => a.size);

test('a click in the free column beyond a sub-area places a block there, and the area grows', async () => {
  const then0 = await area(1), else0 = await area(2);
  assert.deepEqual([then0.cols, then0.rows, else0.cols, else0.rows], [2, 2, 2, 2]); // one block and a margin
  await click(1, 1, 0); // the then-area's margin column
  await page.waitForSelector('#popup:not([hidden])');
  await op(() => page.click('#popup button:text-is("(func) sin")'));
  // The click moved the keyboard cursor there, without showing it (the mouse was used).
  assert.deepEqual(await page.evaluate(() => window.__studio.cursor()), { area: 1, x: 1, y: 0, shown: false });
  assert.deepEqual(await names(1), ['sin@1,0', 'value@0,0']);
  assert.deepEqual(await names(0), ['get@0,0', 'if@1,0']); // not in the main area under it
  const then1 = await area(1);
  assert.deepEqual([then1.cols, then1.rows], [3, 2]);
  assert.equal(then1.w, then0.w + 75);
  await page.mouse.move(1, 1); // no hover colour
  assert.equal(await pixel(then1.x + then1.w - 2, then1.y + then1.h / 2), '#922f93'); // the frame, one column further
  const sin = await at(1, 0, 1);
  assert.equal(await pixel(sin.x + 1, sin.y + 3), '#9850a9'); // a function: STD_COLORS[16]
  assert.equal(await page.textContent('#help'), 'instantiate: done · 1 to undo, 0 to redo'); // the footer: what was done
  // The free row under the else-area: the block goes there (not to the then-area above or the root).
  await click(2, 0, 1);
  await pick('zero');
  assert.deepEqual(await names(2), ['value@0,0', 'zero@0,1']);
  assert.deepEqual((await area(2)).rows, 3);
  await waitCompiled();
  await page.waitForFunction(() => window.__studio.state().lastResult.saved, null, { timeout: 5000 });
  assert.deepEqual(savedSizes().slice(1), [[2, 1], [1, 2]]); // the server grew both areas
});

test('keyboard only: Tab to the grid, arrows move the cursor, Enter places, Enter opens the menu, Delete removes', async () => {
  const p2 = await st.browser.newPage({ viewport: { width: 1200, height: 700 } });
  const errors = [];
  p2.on('pageerror', (e) => errors.push(String(e)));
  p2.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const b = blockPage(p2);
  const key = (k) => p2.keyboard.press(k);
  const cursor = () => p2.evaluate(() => window.__studio.cursor());
  const focused = () => p2.evaluate(() => document.activeElement && document.activeElement.id);
  try {
    await p2.goto(st.server.url);
    await p2.waitForFunction(() => window.__studio && window.__studio.state().connected, null, { timeout: 5000 });
    const get = (await b.blocksNow())[0].blocks.find((k) => k.typ === 'get');
    const ring = () => b.pixel(get.x + 4, get.y + 15); // where the cursor's ring is drawn inside the cell
    assert.notEqual(await ring(), '#03fdcb');
    for (let i = 0; i < 20 && (await focused()) !== 'blocks'; i++) await key('Tab');
    assert.equal(await focused(), 'blocks');
    assert.deepEqual(await cursor(), { area: 0, x: 0, y: 0, shown: true });
    assert.equal(await ring(), '#03fdcb');
    await p2.waitForSelector('#tip:not([hidden])');
    assert.match(await p2.textContent('#tip'), /^get \(variables\): Loads a variable/);

    // Place sin at (5,0), then a value 0.25 under it.
    for (let i = 0; i < 5; i++) await key('ArrowRight');
    assert.deepEqual(await cursor(), { area: 0, x: 5, y: 0, shown: true });
    assert.match(await p2.textContent('#tip'), /^empty cell \(5, 0\) of the main area.*Enter: place a block/);
    await key('Enter');
    await b.pick('sin');
    assert.equal(await focused(), 'blocks'); // back on the grid after the picker
    await key('ArrowDown');
    await key('Enter');
    await p2.waitForSelector('#picker-filter');
    await p2.keyboard.type('value');
    await key('Enter');
    await p2.waitForSelector('#entry');
    await p2.keyboard.type('0.25');
    await b.op(() => key('Enter'));
    assert.deepEqual(await b.names(0), ['get@0,0', 'if@1,0', 'sin@5,0', 'value@5,1']);
    assert.equal((await b.at(5, 1)).lbl, '0.25');
    assert.match(await p2.textContent('#tip'), /^value \(literals\)/); // the help of the block just placed

    // Escape closes a picker and gives the grid the focus back.
    await key('ArrowRight');
    await key('Enter');
    await p2.waitForSelector('#popup:not([hidden])');
    await key('Escape');
    assert.equal(await p2.isHidden('#popup'), true);
    assert.equal(await focused(), 'blocks');
    await key('ArrowLeft');

    // Delete the sin with the Delete key, the value through its menu (arrows, then Enter).
    await key('ArrowUp');
    assert.deepEqual(await cursor(), { area: 0, x: 5, y: 0, shown: true });
    await b.op(() => key('Delete'));
    assert.deepEqual(await b.names(0), ['get@0,0', 'if@1,0', 'value@5,1']);
    await key('ArrowDown');
    await key('Enter');
    await p2.waitForSelector('#popup:not([hidden])');
    assert.equal(await p2.evaluate(() => document.activeElement.textContent), 'split ->');
    await key('ArrowRight');
    await key('ArrowRight');
    assert.equal(await p2.evaluate(() => document.activeElement.textContent), 'delete');
    await b.op(() => key('Enter'));
    assert.deepEqual(await b.names(0), ['get@0,0', 'if@1,0']);

    // Tab: into the then-area (its first cell), along into its margin column, place zero there.
    await key('Tab');
    assert.deepEqual(await cursor(), { area: 1, x: 0, y: 0, shown: true });
    assert.match(await p2.textContent('#tip'), /^value \(literals\)/);
    await key('ArrowRight');
    await key('ArrowRight');
    await key('ArrowRight'); // stops at the last column: the margin
    assert.deepEqual(await cursor(), { area: 1, x: 2, y: 0, shown: true });
    const w0 = (await b.blocksNow()).find((a) => a.id === 1).w;
    await key('Enter');
    await b.pick('zero');
    assert.deepEqual(await b.names(1), ['sin@1,0', 'value@0,0', 'zero@2,0']);
    assert.equal((await b.blocksNow()).find((a) => a.id === 1).w, w0 + 75);
    // Backspace removes the block under the cursor too.
    await key('ArrowLeft');
    await b.op(() => key('Backspace'));
    assert.deepEqual(await b.names(1), ['value@0,0', 'zero@2,0']);

    // Shift+Tab goes back to where the cursor was in the main area; Tab past the last area leaves the grid.
    await key('Shift+Tab');
    assert.deepEqual(await cursor(), { area: 0, x: 5, y: 1, shown: true });
    await key('Tab');
    await key('Tab');
    assert.equal((await cursor()).area, 2);
    await key('Tab');
    assert.notEqual(await focused(), 'blocks');
    assert.equal((await cursor()).shown, false);
    assert.deepEqual(errors, []);
  } finally {
    await p2.close();
  }
});

test('no errors in the page console', () => {
  assert.deepEqual(consoleErrors, []);
});
