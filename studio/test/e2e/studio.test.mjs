// End-to-end tests of `sigjit studio` in headless Chromium. One server and one page go through
// the tests in order (each builds on the previous state), as a user would.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, launch, rawRequest, wsHeaders, sleep, TOKEN } from './harness.mjs';

const SINE = '# a known patch: 440 Hz (+ 440 * alpha) at amplitude 0.5\n&sig1 = 0.5 * sin(phase(440 + 440 * alpha, 0) * TAU)\n&sig2 = &sig1\n';
const TYPO = SINE.replace('phase(440', 'phse(440');
const FIXED = '# a known patch: 220 Hz at amplitude 0.25\n&sig1 = 0.25 * sin(phase(220 + 440 * alpha, 0) * TAU)\n&sig2 = &sig1\n';
const SCREENSHOT = process.env.STUDIO_SCREENSHOT; // where to save docs/images/studio.png (optional)

let dir, file, server, browser, page;
const consoleErrors = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sjstudio-'));
  file = join(dir, 'patch.sj');
  writeFileSync(file, SINE);
  server = await startServer({ file });
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1200, height: 640 } });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const st = () => page.evaluate(() => window.__studio.state());
const stats = () => page.evaluate(() => window.__studio.stats());
const measure = () => page.evaluate(() => window.__studio.measure());
// Replaces the editor's text as typing would (through CodeMirror, so the page sends it).
const setText = (t) => page.evaluate((text) => {
  const v = window.__studio.view;
  v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
}, t);
const waitFor = (fn, arg, timeout = 5000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });

test('the server refuses requests without the token, from a foreign Host or Origin, and unknown paths', async () => {
  const p = server.port;
  assert.equal(await rawRequest(p, '/'), 403);
  assert.equal(await rawRequest(p, '/main.js'), 403);
  assert.equal(await rawRequest(p, `/?t=${TOKEN}x`), 403);
  assert.equal(await rawRequest(p, `/?t=${TOKEN}`), 200);
  assert.equal(await rawRequest(p, `/?t=${TOKEN}`, { Host: `evil.example:${p}` }), 421);
  assert.equal(await rawRequest(p, `/..%2f..%2fetc/passwd?t=${TOKEN}`), 404);
  assert.equal(await rawRequest(p, `/../../etc/passwd?t=${TOKEN}`), 404);
  const own = `http://127.0.0.1:${p}`;
  assert.equal(await rawRequest(p, `/ws?t=${TOKEN}`, wsHeaders(own)), 101);
  assert.equal(await rawRequest(p, '/ws?t=wrongtoken0123456789', wsHeaders(own)), 403);
  assert.equal(await rawRequest(p, `/ws?t=${TOKEN}`, wsHeaders('http://evil.example')), 403);
  assert.equal(await rawRequest(p, `/ws?t=${TOKEN}`, wsHeaders()), 403);
  assert.equal(await rawRequest(p, `/ws?t=${TOKEN}`, { ...wsHeaders(own), Host: `localhost.evil:${p}` }), 421);
  // A browser without the token sees the refusal too.
  const r = await page.goto(`${server.origin}/`);
  assert.equal(r.status(), 403);
});

test('the page loads with the token, drops it from the address bar and shows the program', async () => {
  const r = await page.goto(server.url);
  assert.equal(r.status(), 200);
  assert.match(r.headers()['content-security-policy'], /default-src 'none'; script-src 'self'/);
  await waitFor(() => window.__studio && window.__studio.state().connected);
  assert.equal(new URL(page.url()).search, '');
  assert.equal(await page.evaluate(() => window.__studio.text()), SINE);
  const s = await st();
  assert.equal(s.lastResult.ok, true);
  assert.equal(s.activeRev, 1);
});

test('audio plays for 3 s with no underrun at the right level and frequency', async () => {
  await page.click('#play');
  await waitFor(() => { const s = window.__studio.stats(); return s && s.everPrimed; });
  // One second to settle (on a loaded machine the buffer may grow once: the adaptive target), then
  // three seconds that must play without a gap.
  await sleep(1000);
  const s0 = await stats();
  const t0 = Date.now();
  await sleep(3000);
  const s1 = await stats();
  const secs = (Date.now() - t0) / 1000;
  const rate = s1.rate;
  const played = s1.played - s0.played;
  console.log(`# rate ${rate} Hz, played ${played} frames in ${secs.toFixed(2)} s, buffer ${s1.minFill}..${s1.maxFill} frames (target ${s1.target}), underruns ${s1.underruns - s0.underruns} (${s0.underruns} while settling), context ${s1.ctxState}`);
  assert.equal(s1.ctxState, 'running');
  assert.equal(s1.underruns - s0.underruns, 0, `underruns in the 3 s (${s0.underruns} while settling)`);
  assert.ok(Math.abs(played / (rate * secs) - 1) < 0.1, `played ${played} in ${secs} s at ${rate} Hz`);
  const m = await measure();
  console.log(`# measured rms ${m.rms.toFixed(4)} (expected 0.3536), ${m.hz.toFixed(2)} Hz (expected 440)`);
  assert.ok(Math.abs(m.rms - 0.5 / Math.SQRT2) < 0.01, `rms ${m.rms}`);
  assert.ok(Math.abs(m.hz - 440) < 2, `hz ${m.hz}`);
});

test('a typo is marked at its place while the sound goes on unchanged', async () => {
  const before = await st();
  const u0 = (await stats()).underruns;
  await setText(TYPO);
  await waitFor((rev) => { const s = window.__studio.state(); return s.lastResult && s.lastResult.rev > rev; }, before.rev);
  const s = await st();
  assert.equal(s.lastResult.ok, false);
  assert.equal(s.activeRev, before.activeRev, 'the last good program keeps playing');
  const d = s.lastResult.diagnostics[0];
  assert.deepEqual([d.line, d.col, d.span], [2, 19, 4]);
  await page.waitForSelector('.cm-lintRange-error');
  assert.equal(await page.textContent('.cm-lintRange-error'), 'phse');
  assert.match(await page.textContent('#diags'), /2:19: error: unknown node 'phse' \(hint: did you mean 'phase'\?\)/);
  await sleep(800); // a full analyser window after the edit
  const m = await measure();
  assert.ok(Math.abs(m.hz - 440) < 2 && Math.abs(m.rms - 0.3536) < 0.01, `still the sine: ${JSON.stringify(m)}`);
  assert.equal((await stats()).underruns, u0);
  assert.equal(readFileSync(file, 'utf8'), TYPO, 'the edit is saved even with errors');
});

test('fixing it swaps the sound and saves the file', async () => {
  const before = await st();
  const u0 = (await stats()).underruns;
  await setText(FIXED);
  await waitFor((rev) => window.__studio.state().activeRev > rev, before.activeRev);
  assert.equal(await page.locator('.cm-lintRange-error').count(), 0);
  await sleep(900);
  const m = await measure();
  console.log(`# after the fix: rms ${m.rms.toFixed(4)} (expected 0.1768), ${m.hz.toFixed(2)} Hz (expected 220)`);
  assert.ok(Math.abs(m.hz - 220) < 2, `hz ${m.hz}`);
  assert.ok(Math.abs(m.rms - 0.25 / Math.SQRT2) < 0.01, `rms ${m.rms}`);
  assert.equal(readFileSync(file, 'utf8'), FIXED);
  assert.equal((await stats()).underruns, u0, 'no gap when the new program swaps in');
});

test('the alpha slider glides the frequency (220 + 440 * 0.5 = 440 Hz)', async () => {
  await page.evaluate(() => {
    const i = document.getElementById('param-alpha');
    i.value = '0.5';
    i.dispatchEvent(new Event('input'));
  });
  await waitFor(() => window.__studio.state().params.alpha === 0.5);
  await sleep(900);
  const m = await measure();
  assert.ok(Math.abs(m.hz - 440) < 2, `hz ${m.hz}`);
});

test('Stop stops the stream and Play starts it again', async () => {
  await page.click('#play'); // Stop
  await waitFor(() => window.__studio.state().audio === 'off');
  await sleep(300);
  const p0 = (await stats()).played;
  await sleep(500);
  assert.equal((await stats()).played, p0, 'nothing plays after Stop');
  assert.match(await page.textContent('#play'), /Play/);
  await page.click('#play'); // Play
  await waitFor(() => window.__studio.state().audio === 'on');
  await sleep(1000);
  const s = await stats();
  assert.ok(s.played - p0 > 0.5 * s.rate, `played ${s.played - p0} frames after Play`);
  const m = await measure();
  assert.ok(Math.abs(m.hz - 440) < 2, `hz ${m.hz}`);
});

test('scope frames of the library capture arrive while the sound plays', async () => {
  const n0 = (await st()).scopeFrames;
  await sleep(1000);
  const n1 = (await st()).scopeFrames;
  console.log(`# scope frames in 1 s: ${n1 - n0}`);
  assert.ok(n1 - n0 >= 10, `${n1 - n0} scope frames in 1 s`);
  const f = await page.evaluate(() => window.__studio.scope());
  assert.deepEqual(f.traces.map((t) => t.active), [true, true, false]); // sig1, sig2, none
  assert.equal(f.trigger, 'sig1');
  const maxes = f.traces[0].points.filter((_, i) => i % 2 === 0);
  const top = Math.max(...maxes), bottom = Math.min(...f.traces[0].points.filter((_, i) => i % 2 === 1));
  assert.ok(Math.abs(top - 0.25) < 0.01 && Math.abs(bottom + 0.25) < 0.01, `sig1 spans ${bottom}..${top} (the 0.25 sine)`);
});

test('the scope controls act: time, trigger threshold, offset and gain, minimise', async () => {
  await page.evaluate(() => {
    const set = (id, v, ev) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event(ev)); };
    set('scope-threshold', '0.2', 'change');
    set('scope-offset2', '0.5', 'change');
    set('scope-gain2', '0.5', 'change');
    set('scope-time', '230', 'input'); // 0.1 ms * 3e6^0.23 = 3.1 ms
  });
  await waitFor(() => { const f = window.__studio.scope(); return f && f.threshold > 0.19 && f.traces[1].offset === 0.5 && f.traces[1].gain === 0.5 && f.timeMs < 4; });
  const m = (await st()).scopeMeta;
  assert.equal(m.threshold, 0.2);
  assert.deepEqual(m.traces[1], { tap: 'sig2', offset: 0.5, gain: 0.5 });
  assert.ok(Math.abs(m.time_ms - 3.1) < 0.1, `time ${m.time_ms}`);
  await sleep(200);
  // The threshold marker sits at the right edge at y = top + (1 - (0.2 * 0.5 + 0.5)) * plot height.
  const px = await page.evaluate(() => {
    const cv = document.getElementById('scope');
    const y = Math.round(28 + 0.4 * (cv.height - 56));
    return Array.from(cv.getContext('2d').getImageData(cv.width - 7, y, 1, 1).data);
  });
  assert.deepEqual(px.slice(0, 3), [0x8b, 0x83, 0xc9]);
  // A bad setting is refused and changes nothing.
  await page.click('#scope-min');
  assert.equal(await page.evaluate(() => document.getElementById('scope').getBoundingClientRect().height), 100);
  await page.click('#scope-min');
  assert.equal(await page.evaluate(() => document.getElementById('scope').getBoundingClientRect().height), 300);
  await page.evaluate(() => {
    const set = (id, v, ev) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event(ev)); };
    set('scope-time', String(Math.round(1000 * Math.log(200) / Math.log(3e6))), 'input'); // back to 20 ms
  });
  await waitFor(() => Math.abs(window.__studio.state().scopeMeta.time_ms - 20) < 0.2);
});

test('a second page on the same program follows the edits of the first', async () => {
  const other = await browser.newPage();
  await other.goto(server.url);
  await other.waitForFunction(() => window.__studio && window.__studio.state().connected, null, { timeout: 5000 });
  assert.equal(await other.evaluate(() => window.__studio.text()), FIXED);
  const edited = FIXED.replace('0.25 *', '0.2 *');
  await setText(edited);
  await other.waitForFunction((t) => window.__studio.text() === t, edited, { timeout: 5000 });
  await other.waitForFunction(() => window.__studio.state().lastResult.ok && window.__studio.state().activeRev === window.__studio.state().rev, null, { timeout: 5000 });
  await other.close();
  const r0 = (await st()).rev;
  await setText(FIXED);
  await waitFor((r) => { const s = window.__studio.state(); return s.rev > r && s.lastResult.rev === s.rev && s.lastResult.ok; }, r0);
});

test('a malformed message gets an error reply and changes nothing', async () => {
  const before = await st();
  const replies = await page.evaluate(async (origin) => {
    const t = sessionStorage.getItem('sjstudio-token');
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws?t=${t}`);
    const got = [];
    ws.onmessage = (e) => { if (typeof e.data === 'string') got.push(JSON.parse(e.data)); }; // binary: scope frames
    await new Promise((r) => { ws.onopen = r; });
    for (const m of ['{"type":', '[1,2]', '{"no":"type"}', '{"type":"nope"}', '{"type":"text.set","text":5}',
      '{"type":"param.set","id":"omega","value":1}', '{"type":"param.set","id":"alpha","value":1e99}',
      '{"type":"audio.credit","frames":100}', '{"type":"hello","proto":99}', '{"type":"scope.set","trigger":"sometimes"}',
      '{"type":"scope.set","tap1":"nowhere"}', '{"type":"scope.set","time_ms":0}', '{"type":"scope.set","colour":1}'])
      ws.send(m);
    ws.send(new Uint8Array([1, 2, 3]));
    await new Promise((r) => setTimeout(r, 500));
    ws.close();
    return got.filter((m) => m.type === 'error');
  }, server.origin);
  assert.deepEqual(replies.map((m) => m.code),
    ['bad_json', 'bad_json', 'bad_message', 'unknown_type', 'bad_message', 'bad_message', 'bad_message', 'bad_state', 'proto',
      'bad_message', 'bad_message', 'bad_message', 'bad_message', 'bad_message']);
  const after = await st();
  assert.deepEqual(after.scopeMeta, before.scopeMeta);
  assert.equal(after.rev, before.rev);
  assert.equal(after.activeRev, before.activeRev);
  assert.equal(readFileSync(file, 'utf8'), FIXED);
});

test('a screenshot for the documentation', async () => {
  if (!SCREENSHOT) return;
  await setText(TYPO);
  await page.waitForSelector('.cm-lintRange-error');
  await page.hover('.cm-lintRange-error');
  await sleep(700);
  mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  await setText(FIXED);
  await waitFor(() => window.__studio.state().lastResult.ok);
});

test('the page reconnects after a server restart and plays again', async () => {
  const port = server.port;
  await server.stop();
  server = null;
  await waitFor(() => !window.__studio.state().connected);
  assert.match(await page.textContent('#conn'), /disconnected/);
  writeFileSync(file, SINE); // changed while the server was down: the page must resync
  server = await startServer({ file, port });
  await waitFor(() => window.__studio.state().connected && window.__studio.state().connects === 2, undefined, 10000);
  assert.equal(await page.evaluate(() => window.__studio.text()), SINE);
  await waitFor(() => window.__studio.state().audio === 'on', undefined, 5000);
  const p0 = (await stats()).played;
  await sleep(1500);
  const s = await stats();
  assert.ok(s.played - p0 > 0.5 * s.rate, `played ${s.played - p0} frames after the restart`);
  const m = await measure();
  assert.ok(Math.abs(m.hz - 440) < 2, `the restarted server's program (alpha back at 0): ${m.hz}`);
});

test('no errors in the page console', () => {
  assert.deepEqual(consoleErrors.filter((e) => !/WebSocket connection to .* failed|Failed to load resource/.test(e)), []);
});
