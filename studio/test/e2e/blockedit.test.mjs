// End-to-end: editing a block program with the reference's gestures (docs/studio.md, "Block
// editor"): the picker, value entry, chain move, clone, port shift, delete, a refused operation
// explained, undo and redo, and every accepted edit compiled and saved.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { openStudio, startServer } from './harness.mjs';
import { blockPage } from './blockpage.mjs';

let st, dir, file, browser, page, consoleErrors;
let blocksNow, root, at, center, op, click, drag, pixel, waitCompiled;

before(async () => {
  st = await openStudio({ example: 'blocks_sine.json', name: 'sine.json', viewport: { width: 1300, height: 700 } });
  ({ dir, file, browser, page, consoleErrors } = st);
  ({ blocksNow, root, at, center, op, click, drag, pixel, waitCompiled } = blockPage(page));
});

after(async () => {
  if (st) await st.close();
});

test('clicking an empty cell opens the picker; choosing (arit) + places it', async () => {
  await click(0, 0, 5);
  await page.waitForSelector('#popup:not([hidden])');
  const labels = await page.$$eval('#popup button', (bs) => bs.map((b) => b.textContent));
  assert.ok(labels.includes('(arit) +') && labels.includes('(lite) value'), labels.join(' '));
  await op(() => page.click('#popup button:text-is("(arit) +")'));
  const plus = await at(0, 5);
  assert.equal(plus.typ, '+');
  assert.equal(await pixel(plus.x + 1, plus.y + 3), '#a69b64'); // arithmetics: STD_COLORS[4]
  await waitCompiled();
});

test('a value block asks for its number in the entry popup', async () => {
  await click(0, 2, 5);
  await page.waitForSelector('#picker-filter');
  await page.keyboard.type('value');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#entry');
  await page.keyboard.type('0.5');
  await op(() => page.keyboard.press('Enter'));
  const v = await at(2, 5);
  assert.deepEqual([v.typ, v.lbl], ['value', '0.5']);
});

test('a left-drag moves the chain; a drag from an empty cell onto a block clones it', async () => {
  await op(() => drag([0, 2, 5], [0, 3, 8]));
  assert.equal(await at(2, 5), undefined);
  assert.equal((await at(3, 8)).lbl, '0.5');
  await op(() => drag([0, 6, 8], [0, 3, 8]));
  const clone = await at(6, 8);
  const orig = await at(3, 8);
  assert.equal(clone.lbl, '0.5');
  assert.notEqual(clone.id, orig.id);
});

test('a right-click on a port shifts it one row down, wrapping', async () => {
  const phase = (await root()).find((b) => b.typ === 'phase');
  assert.deepEqual(phase.outputs, [null, 'ph']);
  await op(() => click(0, phase.col, phase.row + 1, 1, 'right'));
  assert.deepEqual((await root()).find((b) => b.typ === 'phase').outputs, ['ph', null]);
  await op(() => click(0, phase.col, phase.row, 1, 'right')); // row 0's output goes back down to row 1
  assert.deepEqual((await root()).find((b) => b.typ === 'phase').outputs, [null, 'ph']);
});

test('an operation that is not possible is explained and changes nothing', async () => {
  const before = await blocksNow();
  await click(0, 0, 4); // a 2-row + at (0,4) would overlap the + at (0,5)
  await page.waitForSelector('#popup:not([hidden])');
  await page.click('#popup button:text-is("(arit) +")');
  await page.waitForFunction(() => document.getElementById('help').classList.contains('error'), null, { timeout: 5000 });
  assert.match(await page.textContent('#help'), /^refused: .*(space|occupied)/i);
  assert.deepEqual(await blocksNow(), before);
});

test('the block menu deletes; Ctrl+Z undoes and Ctrl+Shift+Z redoes', async () => {
  await click(0, 6, 8);
  await page.waitForSelector('#popup button:text-is("delete")');
  await op(() => page.click('#popup button:text-is("delete")'));
  assert.equal(await at(6, 8), undefined);
  await page.focus('#blocks');
  await op(() => page.keyboard.press('Control+z'));
  assert.equal((await at(6, 8)).lbl, '0.5');
  await op(() => page.keyboard.press('Control+Shift+z'));
  assert.equal(await at(6, 8), undefined);
});

test('a block that does not compile is drawn red and explained; the last good program keeps playing', async () => {
  await waitCompiled();
  const active = (await page.evaluate(() => window.__studio.state())).activeRev;
  await click(0, 3, 8);
  await page.waitForSelector('#popup button:text-is("label…")');
  await page.click('#popup button:text-is("label…")');
  await page.waitForSelector('#entry');
  await page.fill('#entry', 'abc');
  await op(() => page.press('#entry', 'Enter'));
  await page.waitForFunction(() => { const s = window.__studio.state(); return s.lastResult.rev === s.rev && !s.lastResult.ok; }, null, { timeout: 5000 });
  const s = await page.evaluate(() => window.__studio.state());
  assert.equal(s.activeRev, active);
  const bad = await at(3, 8);
  assert.equal(s.lastResult.block, bad.id);
  assert.match(await page.textContent('#diags'), /bad literal number "abc"/);
  await page.mouse.move(2, 2); // no hover colour on it
  assert.equal(await pixel(bad.x + 1, bad.y + 3), '#ff3355');
  await page.focus('#blocks');
  await op(() => page.keyboard.press('Control+z'));
  await waitCompiled();
  assert.equal((await at(3, 8)).lbl, '0.5');
});

test('each edit is compiled (the text view follows) and saved to the file', async () => {
  await waitCompiled();
  const s = await page.evaluate(() => window.__studio.state());
  assert.equal(s.lastResult.ok, true, JSON.stringify(s.lastResult.diagnostics));
  assert.equal(s.activeRev, s.rev);
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  const typs = saved.areas[0].blocks.map((b) => `${b.block.typ}@${b.x},${b.y}`);
  assert.ok(typs.includes('+@0,5') && typs.includes('value@3,8') && !typs.includes('value@6,8'), typs.join(' '));
  assert.match(await page.evaluate(() => window.__studio.text()), /sin/);
});

test('a screenshot of the block editor for the documentation', async () => {
  const shot = process.env.STUDIO_SCREENSHOT;
  if (!shot) return;
  await page.evaluate(() => { document.querySelector('.blocks-scroll').scrollTop = 0; });
  const phase = (await root()).find((b) => b.typ === 'phase');
  const c = await center(0, phase.col, phase.row, 0);
  await page.evaluate(() => { document.querySelector('.blocks-scroll').scrollTop = 0; });
  await page.mouse.move(c.x, c.y);
  await page.waitForSelector('#tip:not([hidden])', { timeout: 2000 }); // its help in the tooltip
  await page.screenshot({ path: shot.replace(/\.png$/, '-blocks.png') });
});

test('dragging shows where the block will land; a middle-drag pans the grid', async () => {
  const plus = await at(0, 5);
  await page.evaluate(() => { const e = document.querySelector('.blocks-scroll'); e.scrollTop = 0; e.scrollLeft = 0; });
  const a = await center(0, 0, 6), b = await center(0, 4, 8); // grab the + by its second row
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 3 });
  // The preview: 2 rows high, shifted up by the grab row, so its top edge is the top of row 7.
  const r = await page.locator('#blocks').boundingBox();
  assert.equal(await pixel(b.x - r.x, b.y - r.y - 30 - 15), '#ecf9ce'); // the centre of row 8 minus one row and a half
  await page.keyboard.press('Escape');
  await page.mouse.move(a.x, a.y, { steps: 3 }); // back to where it was: a click-less release on the block
  await page.mouse.up();
  assert.equal((await at(0, 5)).id, plus.id);
  const sc = await page.evaluate(() => { const e = document.querySelector('.blocks-scroll'); e.scrollTop = 0; e.scrollLeft = 0; return [e.scrollHeight > e.clientHeight, e.scrollWidth > e.clientWidth]; });
  const box = await page.locator('.blocks-scroll').boundingBox();
  await page.mouse.move(box.x + 200, box.y + 150);
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(box.x + 150, box.y + 100, { steps: 3 });
  await page.mouse.up({ button: 'middle' });
  const after = await page.evaluate(() => { const e = document.querySelector('.blocks-scroll'); return [e.scrollTop, e.scrollLeft]; });
  assert.deepEqual(after, [sc[0] ? 50 : 0, sc[1] ? 50 : 0]);
});

test('a missing .json file starts as an empty block program and is created by the first edit', async () => {
  const fresh = join(dir, 'fresh.json');
  const srv = await startServer({ file: fresh });
  const p2 = await browser.newPage({ viewport: { width: 1300, height: 700 } });
  try {
    await p2.goto(srv.url);
    await p2.waitForFunction(() => window.__studio && window.__studio.state().connected, null, { timeout: 5000 });
    assert.deepEqual(await p2.evaluate(() => window.__studio.blocks().map((a) => a.blocks.length)), [0]);
    assert.equal(existsSync(fresh), false);
    const c = await p2.evaluate(() => window.__studio.cellCenter(0, 1, 1, 0));
    await p2.mouse.click(c.x, c.y);
    await p2.waitForSelector('#picker-filter');
    await p2.keyboard.type('sin');
    await p2.keyboard.press('Enter');
    await p2.waitForFunction(() => window.__studio.blocks()[0].blocks.length === 1, null, { timeout: 5000 });
    await p2.waitForFunction(() => { const s = window.__studio.state(); return s.lastResult.rev === s.rev && s.lastResult.saved; }, null, { timeout: 5000 });
    const saved = JSON.parse(readFileSync(fresh, 'utf8'));
    assert.deepEqual(saved.areas[0].blocks.map((b) => [b.block.typ, b.x, b.y]), [['sin', 1, 1]]);
  } finally {
    await p2.close();
    await srv.stop();
  }
});

test('no errors in the page console', () => {
  assert.deepEqual(consoleErrors, []);
});
