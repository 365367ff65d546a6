// End-to-end: a block program in the studio. The blocks are drawn read-only as the reference draws
// them, with hover help; the text view shows what they compile to and cannot be edited.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openStudio } from './harness.mjs';

let st, file, page, consoleErrors;

before(async () => {
  st = await openStudio({ example: 'blocks_if.json', name: 'if.json', viewport: { width: 1200, height: 640 } });
  ({ file, page, consoleErrors } = st);
});

after(async () => {
  if (st) await st.close();
});

const pixel = (x, y) => page.evaluate(([px, py]) => Array.from(document.getElementById('blocks').getContext('2d').getImageData(px, py, 1, 1).data.slice(0, 3)), [x, y]);
const hex = (c) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

test('the blocks are drawn: an if with its then and else areas below it', async () => {
  assert.equal(await page.isVisible('#blocks-pane'), true);
  const areas = await page.evaluate(() => window.__studio.blocks());
  assert.deepEqual(areas.map((a) => a.blocks.map((b) => `${b.typ}:${b.lbl}`)), [['get:in1', 'if:if'], ['value:10'], ['value:20']]);
  const iff = areas[0].blocks[1];
  const [then, els] = [areas[1], areas[2]];
  assert.ok(then.y >= iff.y + iff.h - 1 && els.y > then.y + then.h, 'then under the if block, else under then');
  // Colours as the reference: the if block's border STD_COLORS[0], get's STD_COLORS[12], and the
  // sub-areas framed in the if block's colour.
  assert.equal(hex(await pixel(iff.x + 1, iff.y + 3)), '#922f93');
  const get = areas[0].blocks[0];
  assert.equal(hex(await pixel(get.x + 1, get.y + 3)), '#3b5eca');
  assert.equal(hex(await pixel(Math.round(then.x + 1), Math.round(then.y + then.h / 2))), '#922f93');
  assert.equal(hex(await pixel(Math.round(then.x + then.w / 2), Math.round(then.y + 2))), '#922f93'); // the 4 px frame
});

test('hovering a block explains it in the help line', async () => {
  const areas = await page.evaluate(() => window.__studio.blocks());
  const get = areas[0].blocks[0];
  const box = await page.locator('#blocks').boundingBox();
  await page.mouse.move(box.x + get.x + get.w - 10, box.y + get.y + 10);
  const help = await page.textContent('#help');
  assert.match(help, /^get \(\w+\): .+ · output \(unnamed\)$/);
  await page.mouse.move(box.x + 2, box.y + box.height - 2);
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
