// End-to-end: a block program in the studio. The blocks are drawn as the reference draws them, with
// hover help in a tooltip; the text view shows what they compile to and cannot be edited.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openStudio } from './harness.mjs';
import { blockPage } from './blockpage.mjs';

let st, file, page, consoleErrors, pixel;

before(async () => {
  st = await openStudio({ example: 'blocks_if.json', name: 'if.json', viewport: { width: 1200, height: 640 } });
  ({ file, page, consoleErrors } = st);
  ({ pixel } = blockPage(page));
});

after(async () => {
  if (st) await st.close();
});


test('the blocks are drawn: an if with its then and else areas below it', async () => {
  assert.equal(await page.isVisible('#blocks-pane'), true);
  const areas = await page.evaluate(() => window.__studio.blocks());
  assert.deepEqual(areas.map((a) => a.blocks.map((b) => `${b.typ}:${b.lbl}`)), [['get:in1', 'if:if'], ['value:10'], ['value:20']]);
  const iff = areas[0].blocks[1];
  const [then, els] = [areas[1], areas[2]];
  assert.ok(then.y >= iff.y + iff.h - 1 && els.y > then.y + then.h, 'then under the if block, else under then');
  // Colours as the reference: the if block's border STD_COLORS[0], get's STD_COLORS[12], and the
  // sub-areas framed in the if block's colour.
  assert.equal(await pixel(iff.x + 1, iff.y + 3), '#922f93');
  const get = areas[0].blocks[0];
  assert.equal(await pixel(get.x + 1, get.y + 3), '#3b5eca');
  assert.equal(await pixel(then.x + 1, then.y + then.h / 2), '#922f93');
  assert.equal(await pixel(then.x + then.w / 2, then.y + 2), '#922f93'); // the 4 px frame
});

test('hovering a block shows its help in a tooltip by the pointer, off the block, inside the window', async () => {
  // Placing the tooltip sets element.style from script: the CSP must allow it (no violation reported).
  await page.evaluate(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective));
  });
  const footer = await page.textContent('#help');
  const areas = await page.evaluate(() => window.__studio.blocks());
  const get = areas[0].blocks[0];
  const box = await page.locator('#blocks').boundingBox();
  const px = box.x + get.x + get.w / 2 + 5, py = box.y + get.y + 10; // the output half, a tooltip starting right of it lies over the block
  await page.mouse.move(px, py);
  await page.waitForSelector('#tip:not([hidden])', { timeout: 2000 });
  assert.match(await page.textContent('#tip'), /^get \(variables\): Loads a variable · output \(unnamed\)click or Enter: menu/);
  const tip = await page.locator('#tip').boundingBox();
  const vp = page.viewportSize();
  assert.ok(tip.x >= 0 && tip.y >= 0 && tip.x + tip.width <= vp.width && tip.y + tip.height <= vp.height, JSON.stringify(tip));
  const blk = { x: box.x + get.x, y: box.y + get.y, w: get.w, h: get.h };
  const apart = tip.y >= blk.y + blk.h || tip.y + tip.height <= blk.y || tip.x >= blk.x + blk.w || tip.x + tip.width <= blk.x;
  assert.ok(apart, `the tooltip ${JSON.stringify(tip)} covers the block ${JSON.stringify(blk)}`);
  const dx = Math.max(tip.x - px, 0, px - (tip.x + tip.width)), dy = Math.max(tip.y - py, 0, py - (tip.y + tip.height));
  assert.ok(Math.hypot(dx, dy) < 40, `the tooltip is ${Math.hypot(dx, dy)} px from the pointer`);
  assert.equal(await page.textContent('#help'), footer); // the footer is for operations and refusals
  // Off the blocks, it goes away.
  await page.mouse.move(box.x + 2, box.y + box.height - 2);
  await page.waitForSelector('#tip', { state: 'hidden', timeout: 2000 });
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
});

test('the text view shows the compiled program, read-only, and the file is never rewritten', async () => {
  const before = readFileSync(file, 'utf8');
  const text = await page.evaluate(() => window.__studio.text());
  assert.match(text, /if /);
  assert.equal(await page.getAttribute('.cm-content', 'contenteditable'), 'false');
  await page.click('.cm-content');
  await page.keyboard.type('zzz');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await page.evaluate(() => window.__studio.text()), text);
  assert.match(await page.textContent('#file'), /\(blocks\)/);
  assert.equal(readFileSync(file, 'utf8'), before);
  assert.equal((await page.evaluate(() => window.__studio.state())).lastResult.ok, true);
});

test('no errors in the page console', () => {
  assert.deepEqual(consoleErrors, []);
});
