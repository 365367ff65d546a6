// End-to-end: a text program in the studio is also drawn as blocks (the server lays each program
// that compiles out with sj_blocks_layout), a program blocks cannot express says so and where, and
// the scope can tap the program's persistent variables.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStudio, sleep } from './harness.mjs';

// Two statements: one chain each. *ramp counts up by 0.001 per sample from 0 and wraps at 1, so the
// scope shows a known curve; *level is a constant.
const PROGRAM = '*level = 0.25\n*ramp = fract(*ramp + 0.001)\n&sig1 = 0.5 * sin(*ramp * TAU)\n';
// A buffer cannot be drawn: the layout's message names the construct and where.
const BUFFER = 'decl buf[0] = 16\n&sig1 = 0.1\n';
const TYPO = '*level = 0.25\n&sig1 = sinn(0)\n';

let st, page, consoleErrors;
const state = () => page.evaluate(() => window.__studio.state());
const waitFor = (fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
async function setText(text) {
  const rev = (await state()).rev;
  await page.evaluate((t) => {
    const v = window.__studio.view;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: t } });
  }, text);
  await waitFor((r) => { const s = window.__studio.state(); return s.lastResult && s.lastResult.rev > r; }, rev);
}
const blockNames = async () => (await page.evaluate(() => window.__studio.blocks())).map((a) => a.blocks.map((b) => `${b.typ}:${b.lbl}`));

before(async () => {
  st = await openStudio({ text: PROGRAM, name: 'prog.sj', viewport: { width: 1280, height: 800 } });
  ({ page, consoleErrors } = st);
});

after(async () => {
  if (st) await st.close();
});

test('a text program is drawn as blocks, one chain per statement, as a view', async () => {
  await waitFor(() => window.__studio.blocks() !== null);
  assert.equal(await page.isVisible('#blocks'), true);
  assert.equal(await page.isVisible('#blocks-view-note'), true);
  assert.equal(await page.isVisible('#blocks-edit-note'), false);
  assert.equal(await page.isVisible('#blocks-why'), false);
  const names = (await blockNames())[0];
  // The blocks of the three statements, as sj_blocks_layout places them (sigjit blocks layout).
  for (const b of ['value:0.25', 'set:*level', 'get:*ramp', 'value:0.001', '+:+', 'fract:fract', 'set:*ramp', 'sin:sin', 'set:&sig1'])
    assert.ok(names.includes(b), `${b} in ${names.join(' ')}`);
  // The text stays the program: editable, and the block view does not take edits.
  assert.equal(await page.getAttribute('.cm-content', 'contenteditable'), 'true');
  const areas = await page.evaluate(() => window.__studio.blocks());
  const box = await page.locator('#blocks').boundingBox();
  const a = areas[0];
  await page.mouse.click(box.x + a.x + a.w - 5, box.y + a.y + a.h - 5); // an empty cell
  await sleep(200);
  assert.equal(await page.isVisible('#popup'), false, 'no picker on the view of a text program');
});

test('an edit of the text redraws the blocks', async () => {
  await setText(`${PROGRAM}&sig2 = *level * 2\n`);
  await waitFor(() => window.__studio.blocks()[0].blocks.some((b) => b.lbl === '&sig2'));
  const names = (await blockNames())[0];
  assert.ok(names.includes('get:*level') && names.includes('set:&sig2'), names.join(' '));
});

test('a program blocks cannot express says which construct and where, and still plays', async () => {
  await setText(BUFFER);
  await page.waitForSelector('#blocks-why:not([hidden])');
  const why = await page.textContent('#blocks-why');
  assert.match(why, /^line 1, column 1: buffer declaration 'decl buf\[0\]' cannot be drawn as blocks: .+$/);
  assert.equal(await page.isVisible('#blocks'), false);
  const s = await state();
  assert.equal(s.lastResult.ok, true, 'it compiles: only the drawing is refused');
  assert.equal(s.activeRev, s.lastResult.rev);
});

test('a typo keeps the last drawing as the last good program keeps playing', async () => {
  await setText(TYPO);
  const s = await state();
  assert.equal(s.lastResult.ok, false);
  assert.match(await page.textContent('#blocks-why'), /buffer/, 'still the last good program\'s message');
  await setText(PROGRAM);
  await page.waitForSelector('#blocks-why', { state: 'hidden' });
  assert.equal(await page.isVisible('#blocks'), true);
});

test('the scope taps a persistent variable chosen from the program\'s list', async () => {
  const options = await page.$$eval('#scope-tap3 option', (os) => os.map((o) => o.value));
  assert.ok(options.includes('*level') && options.includes('*ramp'), options.join(' '));
  await page.selectOption('#scope-tap3', '*level');
  await page.selectOption('#scope-tap2', '*ramp');
  await waitFor(() => { const m = window.__studio.state().scopeMeta; return m && m.traces[2].tap === '*level' && m.traces[1].tap === '*ramp'; });
  await page.click('#play'); // the capture runs while the sound plays
  await waitFor(() => { const f = window.__studio.scope(); return f && f.traces[2].active && f.traces[1].active && f.filled >= 64; });
  const captured = (t) => Array.from(t.points).filter((v) => !Number.isNaN(v)); // NaN: not captured yet
  const f = await page.evaluate(() => window.__studio.scope());
  const level = captured(f.traces[2]);
  // *level is 0.25 in every sample: every captured (max, min) value is 0.25 (exact in f32).
  assert.ok(level.length >= 128 && level.every((v) => v === 0.25), `*level points ${level.slice(0, 6)}`);
  // *ramp is read once per rendered block and held (docs/scope.md): its values lie in [0, 1) and
  // move from one sweep to the next.
  const seen = new Set();
  for (let k = 0; k < 5; k++) {
    const g = await page.evaluate(() => window.__studio.scope());
    for (const v of captured(g.traces[1])) {
      assert.ok(v >= 0 && v < 1, `*ramp value ${v}`);
      seen.add(v);
    }
    await sleep(100);
  }
  assert.ok(seen.size >= 3, `*ramp takes ${seen.size} values over 0.5 s`);
  await page.click('#play'); // Stop
});

test('a variable the program no longer has leaves the list, unless it is tapped', async () => {
  await page.selectOption('#scope-tap2', 'sig2');
  await waitFor(() => window.__studio.state().scopeMeta.traces[1].tap === 'sig2');
  await setText('&sig1 = 0.1\n');
  await waitFor(() => !Array.from(document.querySelectorAll('#scope-tap2 option')).some((o) => o.value === '*ramp'));
  const options = await page.$$eval('#scope-tap3 option', (os) => os.map((o) => o.value));
  assert.ok(options.includes('*level'), `the tapped one stays: ${options.join(' ')}`);
  assert.ok(!options.includes('*ramp'), `the untapped one goes: ${options.join(' ')}`);
  assert.equal(await page.inputValue('#scope-tap3'), '*level');
});

test('no errors in the page console', () => {
  assert.deepEqual(consoleErrors, []);
});
