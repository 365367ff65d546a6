// End-to-end tests of the studio's JACK output (`sigjit studio --jack`) in headless Chromium,
// against a real jackd (dummy backend, 48000 Hz, 256 frames) that tests/scripts/studio_jack.sh
// starts under a private server name. sigjit's JACK ports are recorded by a second JACK client
// (tests/tools/jack_rec) and the recordings measured by tests/tools/sjanalyze, as in
// tests/scripts/jack.sh. One server and one page go through the tests in order, as a user would.
// Environment: SIGJIT, JACK_TOOLS (the tools' folder), JACKD_PID (killed by the "server gone"
// test), RTCHECK (the LD_PRELOAD shim; empty under AddressSanitizer). Xruns are reported, never
// asserted.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, openStudio, sleep } from '../e2e/harness.mjs';

const TOOLS = process.env.JACK_TOOLS;
const RTCHECK = process.env.RTCHECK || '';
const JACKD_PID = Number(process.env.JACKD_PID);
const CLIENT = 'sjs';
const RATE = 48000;
// The known patch: 0.3 * sin at 440 Hz (+ 440 * alpha): RMS 0.3 / sqrt(2) = 0.2121; in1 on out_2.
const SINE = '# 0.3 * sin at 440 Hz (+ 440 * alpha); in1 on the right\n&sig1 = 0.3 * sin(phase(440 + 440 * alpha, 0) * TAU)\n&sig2 = in1\n';
// A phase ramp on out_1 (step 440 / 48000 a sample) and a level that tells the versions apart.
const RAMP = (level) => `# v${level * 10}: the phase on out_1, ${level} on out_2\n&sig1 = phase(440, 0)\n&sig2 = ${level}\n`;

const rtOut = join(tmpdir(), `sjstudio-jack-rt-${process.pid}.txt`); // the shim's report, at exit
let S, page, dir, file; // the studio (openStudio), its page, folder and file

before(async () => {
  assert.ok(TOOLS && existsSync(`${TOOLS}/jack_rec`) && existsSync(`${TOOLS}/sjanalyze`), `JACK_TOOLS=${TOOLS}`);
  assert.ok(JACKD_PID > 0, 'JACKD_PID');
  S = await openStudio({ text: SINE, name: 'patch.sj', viewport: { width: 1200, height: 640 },
    args: ['--jack', '--connect', '--name', CLIENT], env: RTCHECK ? { LD_PRELOAD: RTCHECK, RTCHECK_OUT: rtOut } : {} });
  ({ page, dir, file } = S);
});

after(async () => {
  rmSync(rtOut, { force: true });
  if (!S) return;
  if (S.browser) await S.browser.close().catch(() => {});
  if (S.server) await S.server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const st = () => page.evaluate(() => window.__studio.state());
const waitFor = (fn, arg, timeout = 5000) => page.waitForFunction(fn, arg, { timeout, polling: 50 });
const setText = (t) => page.evaluate((text) => {
  const v = window.__studio.view;
  v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
}, t);
// Sets the text and waits until it is the revision that sounds.
async function edit(text) {
  const rev = (await st()).rev;
  await setText(text);
  await waitFor((r) => { const s = window.__studio.state(); return s.activeRev > r && s.lastResult.ok; }, rev);
}
const setSlider = (id, value) => page.evaluate(([i, v]) => {
  const e = document.getElementById(`param-${i}`);
  e.value = String(v);
  e.dispatchEvent(new Event('input'));
}, [id, value]);
const ports = () => execFileSync('jack_lsp', { encoding: 'utf8' }).split('\n');
const connections = (port) => execFileSync('jack_lsp', ['-c', port], { encoding: 'utf8' });

// Records sigjit's out_1/out_2 for `seconds` with jack_rec; resolves to its exit code and report.
let recordings = 0;
function record(seconds) {
  const out = join(dir, `rec${++recordings}.raw`);
  return new Promise((res) => {
    const p = spawn(`${TOOLS}/jack_rec`, ['-o', out, '-p', `${CLIENT}:out_1,${CLIENT}:out_2`, '--seconds', String(seconds), '--wait', '5'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => res({ file: out, code, report: err.trim(), xruns: Number((err.match(/xruns=(\d+)/) || [])[1] || 0) }));
  });
}
// sjanalyze FILE 2 ARGS...: its key=value pairs (numbers where they are numbers).
function analyze(f, ...args) {
  const out = execFileSync(`${TOOLS}/sjanalyze`, [f, '2', ...args.map(String)], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split(/\s+/).map((kv) => {
    const [k, v] = kv.split('=');
    return [k, v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v];
  }));
}
// Text messages from a second WebSocket of the page's origin that sends `messages`, waiting `ms`.
const exchange = (messages, ms = 600) => page.evaluate(async ([msgs, wait]) => {
  const t = sessionStorage.getItem('sjstudio-token');
  const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws?t=${t}`);
  const got = [];
  ws.onmessage = (e) => { if (typeof e.data === 'string') got.push(JSON.parse(e.data)); };
  await new Promise((r) => { ws.onopen = r; });
  for (const m of msgs) {
    if (typeof m === 'number') await new Promise((r) => setTimeout(r, m));
    else ws.send(JSON.stringify(m));
  }
  await new Promise((r) => setTimeout(r, wait));
  ws.close();
  return got.filter((m) => m.type !== 'hello' && m.type !== 'scope.meta' && m.type !== 'jack.status');
}, [messages, ms]);
const SINE_RMS = 0.3 / Math.SQRT2;
// The page's analyser hears the mono mix (L + R) / 2 of the stream: here L = amp * sin, R = dc (in1).
const mixRms = (amp, dc) => Math.sqrt((amp / 2) ** 2 / 2 + (dc / 2) ** 2);
// The browser output's level and frequency over an analyser window (0.74 s at 44.1 kHz) with no
// underrun in it: on a loaded machine the stream may underrun while it starts (the browser path's
// own test, studio.test.mjs, holds it to none after settling; here the sound is what matters).
async function measureBrowser() {
  const stats = () => page.evaluate(() => window.__studio.stats());
  await waitFor(() => { const x = window.__studio.stats(); return x && x.everPrimed; });
  await sleep(500);
  for (let i = 0; ; i++) {
    const u0 = (await stats()).underruns;
    await sleep(800);
    const m = await page.evaluate(() => window.__studio.measure());
    const u1 = (await stats()).underruns;
    if (u1 === u0 || i === 5) return { ...m, underruns: u1 };
  }
}

test('without --jack the page offers no output choice and audio.start with mode jack is refused', async () => {
  const plain = await startServer({ file, port: 0 });
  const p = await S.browser.newPage();
  try {
    await p.goto(plain.url);
    await p.waitForFunction(() => window.__studio && window.__studio.state().connected, null, { timeout: 5000 });
    assert.equal(await p.isHidden('#output'), true);
    assert.equal(await p.evaluate(() => window.__studio.state().jack), null);
    const got = await p.evaluate(async () => {
      const t = sessionStorage.getItem('sjstudio-token');
      const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws?t=${t}`);
      const msgs = [];
      ws.onmessage = (e) => { if (typeof e.data === 'string') msgs.push(JSON.parse(e.data)); };
      await new Promise((r) => { ws.onopen = r; });
      ws.send(JSON.stringify({ type: 'audio.start', mode: 'jack' }));
      await new Promise((r) => setTimeout(r, 400));
      ws.close();
      return msgs;
    });
    assert.deepEqual(got.find((m) => m.type === 'hello').audio_modes, ['browser']);
    const e = got.find((m) => m.type === 'error');
    assert.equal(e.code, 'refused');
    assert.match(e.message, /--jack/);
  } finally {
    await p.close();
    await plain.stop();
  }
});

test('with --jack the page offers the JACK output, chosen by default, not playing yet', async () => {
  assert.equal(await page.isVisible('#output'), true);
  assert.equal(await page.inputValue('#output'), 'jack');
  const s = await st();
  assert.deepEqual(s.jack, { playing: false, client: CLIENT });
  assert.match(await page.textContent('#play'), /Play/);
  assert.ok(!ports().includes(`${CLIENT}:out_1`), 'no JACK client before Play');
});

test('Play with the JACK output: the recording has the patch\'s level and frequency, the page shows the JACK state', async () => {
  await page.click('#play');
  await waitFor(() => { const j = window.__studio.state().jack; return j && j.playing; });
  const s = await st();
  assert.equal(s.jack.rate, RATE);
  assert.equal(s.jack.period, 256);
  assert.equal(s.audio, 'off', 'no browser stream');
  assert.match(await page.textContent('#play'), /Stop/);
  assert.ok(ports().includes(`${CLIENT}:out_1`) && ports().includes(`${CLIENT}:out_2`));
  assert.match(connections(`${CLIENT}:out_1`), /system:playback_1/, '--connect');
  const r = await record(1);
  const a = analyze(r.file, 'stats', 1);
  console.log(`# JACK recording: rms ${a.rms} (expected 0.212132 +- 0.002), period ${a.period} samples (expected 109.0909 +- 0.05: 440 Hz), ${r.report}`);
  assert.equal(r.code, 0, r.report);
  assert.ok(a.n > 0.5 * RATE, `${a.n} frames recorded`);
  assert.ok(Math.abs(a.rms - SINE_RMS) < 0.002, `rms ${a.rms}`);
  assert.ok(Math.abs(a.period - RATE / 440) < 0.05, `period ${a.period}`);
  assert.ok(Math.abs(a.max - 0.3) < 0.001 && a.nonfinite === 0, `max ${a.max}`);
  await waitFor(() => /JACK sjs 48000 Hz, 256 frames · DSP [0-9.]+% · xruns \d+/.test(document.getElementById('status').textContent));
  const j = (await st()).jack;
  console.log(`# jack.status: DSP ${j.dsp_load}% (max ${j.dsp_load_max}%), callback ${j.callback_pct}% of the time, longest ${j.callback_max_ms} ms, xruns ${j.xruns}, cycles ${j.cycles}`);
  assert.ok(j.cycles > 100, `cycles ${j.cycles}`);
});

test('the scope keeps receiving frames fed by the JACK callback (no browser stream)', async () => {
  const n0 = (await st()).scopeFrames;
  await sleep(1000);
  const s = await st();
  console.log(`# scope frames in 1 s with JACK: ${s.scopeFrames - n0}`);
  assert.equal(s.audio, 'off');
  assert.ok(s.scopeFrames - n0 >= 10, `${s.scopeFrames - n0} scope frames in 1 s`);
  const f = await page.evaluate(() => window.__studio.scope());
  const top = Math.max(...f.traces[0].points.filter((_, i) => i % 2 === 0));
  const bottom = Math.min(...f.traces[0].points.filter((_, i) => i % 2 === 1));
  assert.ok(Math.abs(top - 0.3) < 0.01 && Math.abs(bottom + 0.3) < 0.01, `sig1 spans ${bottom}..${top} (the 0.3 sine)`);
});

test('the sliders reach the JACK callback: alpha 0.5 gives 660 Hz, in1 0.25 a constant 0.25', async () => {
  await setSlider('alpha', 0.5);
  await setSlider('in1', 0.25);
  await waitFor(() => window.__studio.state().params.alpha === 0.5 && window.__studio.state().params.in1 === 0.25);
  await sleep(800); // the 20 ms glide settles to the exact value (it snaps within 1e-9)
  const r = await record(1);
  const a = analyze(r.file, 'stats', 1);
  const l = analyze(r.file, 'levels', 2);
  console.log(`# after the sliders: period ${a.period} samples (expected 72.7273: 660 Hz), rms ${a.rms}; out_2 ${l.levels}; ${r.report}`);
  assert.equal(r.code, 0, r.report);
  assert.ok(Math.abs(a.period - RATE / 660) < 0.05, `period ${a.period}`);
  assert.ok(Math.abs(a.rms - SINE_RMS) < 0.002, `rms ${a.rms}`);
  assert.match(String(l.levels), /^0\.250000x\d+$/);
});

test('a MIDI control change on midi_in moves alpha: the sound and the page\'s slider follow', async () => {
  // CC 1 = 127 gives alpha 1 (CC 1..4 map onto alpha..gamma in 0..1, as in sigjit play): 440 + 440 = 880 Hz.
  const out = join(dir, 'cc.raw');
  const cc = spawn(`${TOOLS}/jack_rec`, ['-o', out, '-p', `${CLIENT}:out_1`, '--seconds', '0.5', '--wait', '5',
    '--midi-to', `${CLIENT}:midi_in`, '--cc', '1=127@0.1'], { stdio: 'ignore' });
  await new Promise((r) => cc.on('exit', r));
  await waitFor(() => window.__studio.state().params.alpha === 1);
  assert.equal(await page.inputValue('#param-alpha'), '1', 'the slider moved');
  await sleep(300);
  const r = await record(1);
  const a = analyze(r.file, 'stats', 1);
  console.log(`# after CC 1 = 127: period ${a.period} samples (expected ${(RATE / 880).toFixed(4)}: 880 Hz); ${r.report}`);
  assert.ok(Math.abs(a.period - RATE / 880) < 0.05, `period ${a.period}`);
  await setSlider('alpha', 0.5); // back for the tests that follow
  await waitFor(() => window.__studio.state().params.alpha === 0.5);
});

test('in_1 connected takes in1 from the port; disconnected, the slider again', async () => {
  // A second JACK client plays a constant 0.125 on its out_1; &sig2 = in1 shows what in1 is.
  const srcFile = join(dir, 'src.sj');
  writeFileSync(srcFile, '&sig1 = 0.125\n');
  const src = spawn(process.env.SIGJIT, ['play', srcFile, '--name', 'sjsrc', '--seconds', '30', '--no-watch', '--quiet'],
    { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !ports().includes('sjsrc:out_1'); i++) await sleep(50);
    execFileSync('jack_connect', ['sjsrc:out_1', `${CLIENT}:in_1`]);
    await sleep(200);
    let l = analyze((await record(0.5)).file, 'levels', 2);
    assert.match(String(l.levels), /^0\.125000x\d+$/, `in1 from the port: out_2 ${l.levels}`);
    execFileSync('jack_disconnect', ['sjsrc:out_1', `${CLIENT}:in_1`]);
    await sleep(200);
    l = analyze((await record(0.5)).file, 'levels', 2);
    assert.match(String(l.levels), /^0\.250000x\d+$/, `in1 from the slider again: out_2 ${l.levels}`);
  } finally {
    src.kill('SIGTERM');
    await new Promise((r) => src.on('exit', r));
  }
});

test('one output at a time: a browser stream is refused while JACK plays; JACK takes the sound from a browser stream', async () => {
  const busy = await exchange([{ type: 'audio.start', rate: 48000, channels: 2 }, { type: 'audio.start', mode: 'loud' }]);
  assert.deepEqual(busy.map((m) => m.code), ['refused', 'bad_message']);
  assert.match(busy[0].message, /JACK output is playing/);
  assert.match(busy[1].message, /"mode" must be "browser" or "jack"/);
  assert.equal((await st()).jack.playing, true, 'JACK still plays');

  // The page switches to the browser: JACK stops first (its client and ports go), then the stream.
  await page.selectOption('#output', 'browser');
  await waitFor(() => { const s = window.__studio.state(); return !s.jack.playing && s.audio === 'on'; });
  assert.ok(!ports().includes(`${CLIENT}:out_1`), 'the JACK client is closed');
  const m = await measureBrowser();
  console.log(`# browser after the switch: rms ${m.rms.toFixed(4)} (expected ${mixRms(0.3, 0.25).toFixed(4)}: 0.3 sin left, 0.25 right), ${m.hz.toFixed(2)} Hz (expected 660); underruns ${m.underruns}`);
  assert.ok(Math.abs(m.rms - mixRms(0.3, 0.25)) < 0.01 && Math.abs(m.hz - 660) < 2, JSON.stringify(m));

  // Another client takes the browser stream, then starts JACK: its stream stops with reason "jack",
  // its late credit is ignored, and every page hears that JACK plays.
  const got = await exchange([{ type: 'audio.start', rate: 48000, channels: 2 }, 300, { type: 'audio.start', mode: 'jack' }, 300,
    { type: 'audio.credit', frames: 256 }], 300);
  const types = got.filter((x) => x.type !== 'param').map((x) => `${x.type}:${x.mode}${x.reason ? `:${x.reason}` : ''}`);
  assert.deepEqual(types, ['audio.started:browser', 'audio.stopped:browser:jack', 'audio.started:jack']);
  await waitFor(() => window.__studio.state().jack.playing);
  assert.equal(await page.inputValue('#output'), 'jack');
  assert.match(await page.textContent('#play'), /Stop/);
  const p0 = (await page.evaluate(() => window.__studio.stats())).played;
  await sleep(400);
  assert.equal((await page.evaluate(() => window.__studio.stats())).played, p0, 'the page\'s browser stream stopped');
  const r = await record(0.5);
  const a = analyze(r.file, 'stats', 1);
  assert.ok(Math.abs(a.rms - SINE_RMS) < 0.002 && Math.abs(a.period - RATE / 660) < 0.05, `JACK again: ${JSON.stringify(a)}`);
});

test('edits swap the sound in the JACK callback with the phase kept (no gap, no jump)', async () => {
  await edit(RAMP(0.1));
  await sleep(1100);
  const swaps0 = (await st()).jack.swaps;
  const x0 = (await st()).jack.xruns;
  const rec = record(3);
  // The first edit once the recorder listens (its client connects to out_1), so 0.1 comes first.
  for (let i = 0; i < 100 && !/jack_rec:/.test(connections(`${CLIENT}:out_1`)); i++) await sleep(50);
  await sleep(500);
  await edit(RAMP(0.2));
  await sleep(700);
  await edit(RAMP(0.3));
  const r = await rec;
  await sleep(1100); // the next jack.status
  const j = (await st()).jack;
  const xruns = r.xruns + j.xruns - x0;
  const l = analyze(r.file, 'levels', 2);
  const ramp = analyze(r.file, 'ramp', 1, 440 / RATE, 256, 2);
  console.log(`# out_2 runs ${l.levels}; out_1 ramp: ${JSON.stringify(ramp)}; swap latency last ${j.swap_ms} ms, max ${j.swap_max_ms} ms over ${j.swaps} swaps; xruns ${xruns}`);
  assert.equal(r.code, 0, r.report);
  assert.match(String(l.levels), /^0\.100000x\d+,0\.200000x\d+,0\.300000x\d+$/);
  assert.equal(ramp.marks, 2);
  assert.ok(ramp.at_marks <= 1e-5, `step error at the swaps ${ramp.at_marks}`);
  assert.equal(ramp.unexplained, 0);
  assert.ok(ramp.jumps === 0 || xruns > 0, `${ramp.jumps} jumps with ${xruns} xruns`);
  assert.equal(j.swaps - swaps0, 2, 'both edits measured as swaps');
  assert.ok(j.swap_max_ms >= 0 && j.swap_max_ms < 1000, `swap latency ${j.swap_max_ms} ms`);
  await edit(SINE);
  await setSlider('in1', 0);
});

test('the JACK server going away: the page is told, the studio goes on, JACK is unavailable, the browser plays', async () => {
  process.kill(JACKD_PID, 'SIGTERM');
  await waitFor(() => { const j = window.__studio.state().jack; return j && !j.playing; }, undefined, 8000);
  assert.match(await page.textContent('#help'), /JACK: the JACK server went away/);
  assert.match(await page.textContent('#play'), /Play/);
  assert.equal((await st()).connected, true);
  // Play again through JACK: no server, a clear refusal (and no hang).
  const e0 = (await st()).errors.length;
  await page.click('#play');
  await waitFor((n) => window.__studio.state().errors.length > n, e0);
  const e = (await st()).errors.at(-1);
  assert.equal(e.code, 'refused');
  assert.match(e.message, /cannot connect to a JACK server/);
  assert.match(await page.textContent('#help'), /refused: cannot connect to a JACK server/);
  // The studio still compiles edits, and the browser output plays them.
  await edit(SINE.replace('= 0.3 *', '= 0.25 *'));
  await page.selectOption('#output', 'browser');
  await page.click('#play');
  await waitFor(() => window.__studio.state().audio === 'on');
  const m = await measureBrowser();
  console.log(`# browser after JACK went away: rms ${m.rms.toFixed(4)} (expected ${mixRms(0.25, 0).toFixed(4)}), ${m.hz.toFixed(2)} Hz (expected 660)`);
  assert.ok(Math.abs(m.rms - mixRms(0.25, 0)) < 0.01 && Math.abs(m.hz - 660) < 2, JSON.stringify(m));
});

test('the process callback never allocated, freed, locked or called the system (LD_PRELOAD shim)', async (t) => {
  await S.browser.close();
  S.browser = null;
  const code = await S.server.stop();
  S.server = null;
  assert.equal(code, 0);
  if (!RTCHECK) {
    t.skip('AddressSanitizer build: the shim cannot run');
    return;
  }
  const rt = readFileSync(rtOut, 'utf8').trim();
  console.log(`# ${rt}`);
  const cb = Number((rt.match(/callbacks=(\d+)/) || [])[1]);
  assert.ok(cb > 300, `${cb} callbacks`);
  assert.match(rt, / callback_calls=0 /);
});

test('no errors in the page console', () => {
  assert.deepEqual(S.consoleErrors.filter((e) => !/WebSocket connection to .* failed|Failed to load resource/.test(e)), []);
});
