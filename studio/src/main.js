// The studio page: a CodeMirror editor on the server's program, diagnostics from the server shown
// inline, live audio through an AudioWorklet, an output scope and parameter sliders.
// docs/studio.md describes the protocol; window.__studio is a read-only hook for the tests.
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter } from '@codemirror/view';
import { EditorState, Compartment } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { setDiagnostics, lintGutter } from '@codemirror/lint';
import { sigjitLanguage } from './lang.js';
import { studioTheme } from './theme.js';
import { rangeOnLine, describe } from './diag.js';
import { PARAMS, KIND_SCOPE, decodeScope, binaryKind, parseServerMessage, msg, backoffMs, wsUrl } from './protocol.js';
import { drawScope as paintScope, sliderToMs, msToSlider } from './scope.js';
import { rms, zeroCrossingHz } from './analysis.js';
import {
  layout as layoutBlocks, draw as drawBlocks, hit as hitBlocks, helpText, keyHints, gesture, pickerEntries, cellCenter, cellRect, cellAt,
  clampCursor, moveCursor, nextArea, tipPosition,
} from './blocks.js';

const $ = (id) => document.getElementById(id);

// The token arrives in the URL (?t=...); keep it for this tab and take it out of the address bar.
const url = new URL(location.href);
let token = url.searchParams.get('t');
if (token) {
  sessionStorage.setItem('sjstudio-token', token);
  url.searchParams.delete('t');
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
} else {
  token = sessionStorage.getItem('sjstudio-token') || '';
}

const state = {
  connected: false, everConnected: false, connects: 0, rev: 0, activeRev: 0, serverText: '', readonly: false,
  diagnostics: [], lastResult: null, req: 0, lastSentReq: 0, errors: [], params: {}, audio: 'off',
  rate: 0, bytesIn: 0, audioMessages: 0, scopeFrames: 0, scopeMeta: null,
};
let ws = null, attempt = 0, applyingRemote = false, sendTimer = null;

// ---------------------------------------------------------------------------------------------
// Editor.
const editable = new Compartment();
const view = new EditorView({
  parent: $('editor'),
  state: EditorState.create({
    doc: '',
    extensions: [
      lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), history(),
      keymap.of([...defaultKeymap, ...historyKeymap]), sigjitLanguage, studioTheme,
      lintGutter(), EditorView.lineWrapping, editable.of(EditorView.editable.of(true)),
      EditorView.updateListener.of((u) => { if (u.docChanged && !applyingRemote) scheduleSend(); }),
    ],
  }),
});

function scheduleSend() {
  clearTimeout(sendTimer);
  sendTimer = setTimeout(() => {
    sendTimer = null;
    if (!state.connected || state.readonly) return;
    state.req += 1;
    state.lastSentReq = state.req;
    send(msg.textSet(state.req, state.rev, view.state.doc.toString()));
  }, 150);
}

function setEditorText(text) {
  if (view.state.doc.toString() === text) return;
  applyingRemote = true;
  const head = Math.min(view.state.selection.main.head, text.length);
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: head } });
  applyingRemote = false;
}

function showDiagnostics(result) {
  const doc = view.state.doc;
  const list = [];
  blocks.bad = result.ok ? 0 : result.block || 0;
  redrawBlocks();
  for (const d of result.diagnostics || []) {
    if (!d.line) continue; // no position in the text (e.g. an error of a block: drawn on the block)
    const ln = Math.min(Math.max(1, d.line || 1), doc.lines);
    const line = doc.line(ln);
    const r = rangeOnLine(line.from, line.text, d.line ? d.col : 0, d.span);
    list.push({
      from: r.from, to: r.to, severity: d.severity === 'note' ? 'info' : d.severity,
      message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message, source: 'sigjit',
    });
  }
  state.diagnostics = list.map((d) => ({ ...d }));
  view.dispatch(setDiagnostics(view.state, list));
  const ul = $('diags');
  ul.textContent = '';
  for (const d of result.diagnostics || []) {
    const li = document.createElement('li');
    li.className = d.severity;
    li.textContent = describe(d);
    ul.appendChild(li);
  }
  if (result.ok) {
    const li = document.createElement('li');
    li.className = 'ok';
    li.textContent = `rev ${result.rev} compiled in ${result.compile_us} µs and playing${result.saved ? ', saved' : ''}`;
    ul.appendChild(li);
  } else {
    const li = document.createElement('li');
    li.className = 'warning';
    li.textContent = `rev ${result.rev} has errors; rev ${result.active_rev} keeps playing`;
    ul.appendChild(li);
  }
}

// ---------------------------------------------------------------------------------------------
// Block editor: the program's blocks as the reference draws them, edited with its gestures or the
// keyboard (a cursor on the grid), with help in a tooltip by the pointer or the cursor.
// cursor: the keyboard cursor's cell; cursorIn: where it was in each area (Tab goes back there);
// kbd: the keyboard was used last (the cursor is drawn, and Delete takes its block, not the hovered one).
const blocks = { layout: null, types: [], hover: null, cursor: null, cursorIn: new Map(), kbd: false };
function showBlocks(snap, types) {
  if (types) blocks.types = types;
  blocks.hover = null;
  $('blocks-pane').hidden = !snap;
  if (!snap) {
    blocks.layout = null;
    hideTip();
    return;
  }
  blocks.layout = layoutBlocks(snap);
  if (blocks.cursor) blocks.cursor = clampCursor(blocks.layout, blocks.cursor);
  const cv = $('blocks');
  cv.width = blocks.layout.width;
  cv.height = blocks.layout.height;
  redrawBlocks();
  if (cursorShown()) cursorTip();
  else hideTip();
}
// A text program's block view: the server lays each program that compiles out on the grid
// (sj_blocks_layout); for one blocks cannot express it says which construct, and where. A failed
// compile keeps the last view, as the last good program keeps playing.
function showLayout(result) {
  if (state.readonly || !result || !result.ok) return;
  $('blocks-view-note').hidden = false;
  $('blocks-edit-note').hidden = true;
  const why = $('blocks-why');
  const e = result.layout_error;
  showBlocks(result.layout || null, null);
  $('blocks-pane').hidden = !result.layout && !e;
  $('blocks').hidden = !result.layout;
  why.hidden = !e;
  why.textContent = e ? `${e.line ? `line ${e.line}, column ${e.col}: ` : ''}${e.message}` : '';
}
function pointerHit(e) {
  const r = $('blocks').getBoundingClientRect();
  return hitBlocks(blocks.layout, e.clientX - r.left, e.clientY - r.top);
}
const cursorShown = () => blocks.kbd && !!blocks.cursor && document.activeElement === $('blocks');
function redrawBlocks() {
  if (!blocks.layout) return;
  const c = cursorShown() && blocks.cursor;
  const marks = { ...blocks.marks, cursor: c && cellRect(blocks.layout, c.area, c.x, c.y) };
  drawBlocks($('blocks').getContext('2d'), blocks.layout, blocks.hover, blocks.bad, marks);
}
// Scrolls the grid so that the canvas pixel c is well inside the visible part.
function revealInGrid(c) {
  const sc = $('blocks').parentElement;
  if (c.y < sc.scrollTop + 20 || c.y > sc.scrollTop + sc.clientHeight - 20) sc.scrollTop = Math.max(0, c.y - sc.clientHeight / 2);
  if (c.x < sc.scrollLeft + 20 || c.x > sc.scrollLeft + sc.clientWidth - 20) sc.scrollLeft = Math.max(0, c.x - sc.clientWidth / 2);
}
// Outlines as the reference draws them: the empty cell under the pointer; while dragging a block,
// where it would land (as tall as the block, shifted up by the row it was grabbed at) and the block
// itself.
function updateMarks(h) {
  const d = blocks.down;
  const marks = {};
  if (d && d.hit && d.hit.block) {
    const b = d.hit.block;
    marks.press = { x: b.x, y: b.y, w: b.w, h: b.h };
    if (h && !h.block) marks.cell = cellRect(blocks.layout, h.area, h.x, h.y - d.hit.row, b.rows);
  } else if (h && !h.block) {
    marks.cell = cellRect(blocks.layout, h.area, h.x, h.y, 1);
  }
  const key = JSON.stringify(marks);
  if (key === blocks.marksKey) return false;
  blocks.marksKey = key;
  blocks.marks = marks;
  return true;
}
// The footer: what the last operation did, or why it was refused.
function setHelp(text, isError = false) {
  const f = $('help');
  f.textContent = text;
  f.title = text;
  f.classList.toggle('error', isError);
}
// The tooltip: `text` and the keys that work there, next to `anchor` (a block or cell, canvas pixels),
// starting at the window x `px`; it stays inside the window and off the anchor (tipPosition).
const tip = { timer: 0 };
function showTip(text, hints, anchor, px) {
  clearTimeout(tip.timer);
  const el = $('tip');
  if (!$('popup').hidden) return hideTip(); // never over a picker or menu
  const line = document.createElement('div');
  line.textContent = text;
  el.replaceChildren(line);
  if (hints) {
    const keys = document.createElement('div');
    keys.className = 'keys';
    keys.textContent = hints;
    el.append(keys);
  }
  el.hidden = false;
  const r = $('blocks').getBoundingClientRect(), size = el.getBoundingClientRect();
  const a = { x: r.left + anchor.x, y: r.top + anchor.y, w: anchor.w, h: anchor.h };
  const pos = tipPosition(a, { w: size.width, h: size.height }, { w: window.innerWidth, h: window.innerHeight }, px);
  el.style.left = `${pos.left}px`;
  el.style.top = `${pos.top}px`;
}
function hideTip() {
  clearTimeout(tip.timer);
  $('tip').hidden = true;
}
// The hovered block's help, after 300 ms (at once when a tooltip is already showing); none while dragging.
function hoverTip(px) {
  const h = blocks.hover;
  if (!h || blocks.down) return hideTip();
  const show = () => showTip(helpText(h, blocks.types), state.readonly && keyHints(true), h.block, px);
  clearTimeout(tip.timer);
  if ($('tip').hidden) tip.timer = setTimeout(show, 300);
  else show();
}
// The help for the keyboard cursor's cell: its block's, or where it is and the keys.
function cursorTip() {
  const c = blocks.cursor, lay = blocks.layout;
  const at = cellAt(lay, c.area, c.x, c.y);
  const rect = cellRect(lay, c.area, c.x, c.y);
  const text = at.block ? helpText(at, blocks.types) : `empty cell (${c.x}, ${c.y}) of ${c.area ? `sub-area ${c.area}` : 'the main area'}`;
  showTip(text, state.readonly && keyHints(!!at.block), at.block || rect, $('blocks').getBoundingClientRect().left + rect.x);
}
function setCursor(c, kbd) {
  blocks.cursor = c;
  blocks.cursorIn.set(c.area, c);
  blocks.kbd = kbd;
  redrawBlocks();
  if (!kbd) return;
  const rect = cellRect(blocks.layout, c.area, c.x, c.y);
  revealInGrid({ x: rect.x + rect.w / 2, y: rect.y + rect.h / 2 });
  cursorTip();
}
$('blocks').addEventListener('mousemove', (e) => {
  if (!blocks.layout) return;
  if (blocks.pan) {
    const sc = $('blocks').parentElement;
    sc.scrollLeft = blocks.pan.left - (e.clientX - blocks.pan.x);
    sc.scrollTop = blocks.pan.top - (e.clientY - blocks.pan.y);
    return;
  }
  const h = pointerHit(e);
  const marksChanged = updateMarks(h);
  const same = blocks.hover && h && h.block === blocks.hover.block && h.row === blocks.hover.row && h.half === blocks.hover.half;
  if (same || (!blocks.hover && !(h && h.block))) {
    if (marksChanged) redrawBlocks();
    return;
  }
  blocks.hover = h && h.block ? h : null;
  redrawBlocks();
  hoverTip(e.clientX);
});
$('blocks').addEventListener('mouseleave', () => {
  blocks.hover = null;
  blocks.pan = null;
  updateMarks(null);
  redrawBlocks();
  hideTip();
});
$('blocks').addEventListener('contextmenu', (e) => e.preventDefault());
$('blocks').addEventListener('mousedown', (e) => {
  if (blocks.layout && e.button === 1) { // middle-drag pans
    e.preventDefault();
    const sc = $('blocks').parentElement;
    blocks.pan = { x: e.clientX, y: e.clientY, left: sc.scrollLeft, top: sc.scrollTop };
    return;
  }
  if (!blocks.layout || !state.readonly || (e.button !== 0 && e.button !== 2)) return;
  e.preventDefault();
  blocks.kbd = false;
  $('blocks').focus();
  closePopup();
  hideTip();
  blocks.down = { hit: pointerHit(e), button: e.button };
  if (blocks.down.hit) setCursor({ area: blocks.down.hit.area, x: blocks.down.hit.x, y: blocks.down.hit.y }, false);
  if (updateMarks(blocks.down.hit)) redrawBlocks();
});
$('blocks').addEventListener('mouseup', (e) => {
  if (e.button === 1) {
    blocks.pan = null;
    return;
  }
  const d = blocks.down;
  blocks.down = null;
  if (updateMarks(pointerHit(e))) redrawBlocks();
  if (!d || e.button !== d.button) return;
  const g = gesture(d.hit, pointerHit(e), d.button);
  if (!g) return;
  if (g.kind === 'op') blockOp(g.op);
  else if (g.kind === 'picker') openPicker(e.clientX, e.clientY, g);
  else if (g.kind === 'menu') openMenu(e.clientX, e.clientY, g);
});
// The keyboard: arrows move the cursor within its area (its margin included), Tab and Shift+Tab go to
// the next or previous area (past the last or first the focus leaves the grid), Enter opens the
// picker on an empty cell or the menu on a block, Delete or Backspace removes the cursor's block (the
// hovered one when the mouse was used last).
const STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
$('blocks').addEventListener('keydown', (e) => {
  const lay = blocks.layout;
  if (!lay || e.ctrlKey || e.metaKey || e.altKey) return;
  const cur = clampCursor(lay, blocks.cursor);
  if (STEPS[e.key]) {
    setCursor(moveCursor(lay, cur, ...STEPS[e.key]), true);
  } else if (e.key === 'Tab') {
    const id = nextArea(lay, cur, e.shiftKey ? -1 : 1);
    if (id === null) return;
    setCursor(clampCursor(lay, blocks.cursorIn.get(id) || { area: id }), true);
  } else if (e.key === 'Enter') {
    if (!state.readonly) return;
    setCursor(cur, true);
    const at = cellAt(lay, cur.area, cur.x, cur.y);
    const r = $('blocks').getBoundingClientRect(), rect = cellRect(lay, cur.area, cur.x, cur.y);
    const x = r.left + rect.x, y = r.top + rect.y + rect.h + 4; // under the cell
    if (at.block) openMenu(x, y, { area: cur.area, x: at.block.col, y: at.block.row, block: at.block });
    else openPicker(x, y, cur);
  } else if (e.key === 'Delete' || e.key === 'Backspace') {
    const at = blocks.kbd ? cellAt(lay, cur.area, cur.x, cur.y) : blocks.hover;
    if (!state.readonly || !at || !at.block) return;
    blockOp({ op: 'remove', area: at.area, x: at.block.col, y: at.block.row });
  } else {
    return;
  }
  e.preventDefault();
});
$('blocks').addEventListener('focus', () => {
  // Focus from the keyboard (Tab, or back from a popup used with keys) shows the cursor; from the mouse not.
  if (blocks.layout && $('blocks').matches(':focus-visible')) setCursor(clampCursor(blocks.layout, blocks.cursor), true);
});
$('blocks').addEventListener('blur', () => {
  redrawBlocks();
  if (!blocks.hover) hideTip();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    closePopup();
    hideTip();
  }
  if (!state.readonly || !(e.ctrlKey || e.metaKey)) return;
  const k = e.key.toLowerCase();
  if (k === 'z' || k === 'y') {
    e.preventDefault();
    blockOp({ op: k === 'y' || e.shiftKey ? 'redo' : 'undo' });
  }
});

function blockOp(op) {
  state.req += 1;
  state.lastSentReq = state.req; // its compile result is the one to show
  blocks.pendingReq = state.req;
  send({ type: 'blocks.op', req: state.req, ...op });
}

// Closes the popup; if it had the focus, the grid takes it back (so the keyboard can go on there).
function closePopup() {
  const p = $('popup');
  const focused = p.contains(document.activeElement);
  p.hidden = true;
  p.textContent = '';
  if (focused && blocks.layout) $('blocks').focus();
}

function placePopup(x, y) {
  hideTip();
  const p = $('popup');
  p.hidden = false;
  p.style.left = `${Math.max(0, Math.min(x, window.innerWidth - 320))}px`;
  p.style.top = `${Math.max(0, Math.min(y, window.innerHeight - 200))}px`;
  return p;
}

// The type picker: one button per type, "(cate) name", filtered as you type; Enter takes the first.
function openPicker(x, y, at) {
  const p = placePopup(x, y);
  const filter = document.createElement('input');
  filter.placeholder = 'type to filter';
  filter.id = 'picker-filter';
  const items = document.createElement('div');
  items.className = 'items';
  const fill = () => {
    items.textContent = '';
    for (const t of pickerEntries(blocks.types, filter.value)) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = t.label;
      b.title = t.description;
      b.addEventListener('click', () => choose(t));
      items.appendChild(b);
    }
  };
  const choose = (t) => {
    if (t.user_input === 'none') {
      closePopup();
      blockOp({ op: 'instantiate', area: at.area, x: at.x, y: at.y, typ: t.name });
    } else {
      openEntry(x, y, t.user_input === 'identifier' ? `${t.name}: identifier` : `${t.name}: value`, '', (text) =>
        blockOp({ op: 'instantiate', area: at.area, x: at.x, y: at.y, typ: t.name, input: text }));
    }
  };
  filter.addEventListener('input', fill);
  filter.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      const first = pickerEntries(blocks.types, filter.value)[0];
      if (first) choose(first);
    } else if (e.key === 'ArrowDown' && items.firstChild) {
      e.preventDefault();
      items.firstChild.focus();
    }
  });
  arrowKeys(items);
  fill();
  p.append(filter, items);
  filter.focus();
}

// Arrow keys move the focus between a popup's buttons.
function arrowKeys(items) {
  items.addEventListener('keydown', (e) => {
    const d = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[e.key];
    const b = d && (d > 0 ? e.target.nextElementSibling : e.target.previousElementSibling);
    if (!d) return;
    e.preventDefault();
    if (b) b.focus();
  });
}

// The entry popup for value, get and set blocks.
function openEntry(x, y, title, value, done) {
  closePopup();
  const p = placePopup(x - 50, y - 20);
  const label = document.createElement('div');
  label.textContent = title;
  const input = document.createElement('input');
  input.id = 'entry';
  input.value = value;
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      closePopup();
      done(input.value);
    }
  });
  p.append(label, input);
  input.focus();
}

// The block menu: split ->, split, delete (and a new label for value, get and set blocks).
function openMenu(x, y, g) {
  const p = placePopup(x, y);
  const items = document.createElement('div');
  items.className = 'items';
  const item = (text, fn) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.addEventListener('click', () => { closePopup(); fn(); });
    items.appendChild(b);
  };
  const at = { area: g.area, x: g.x, y: g.y };
  item('split ->', () => blockOp({ op: 'split_chain', ...at, filler: '->' }));
  item('split', () => blockOp({ op: 'split_chain', ...at, filler: null }));
  item('delete', () => blockOp({ op: 'remove', ...at }));
  const t = blocks.types.find((k) => k.name === g.block.typ);
  if (t && t.user_input !== 'none') item('label…', () => openEntry(x, y, `${t.name}: new label`, g.block.lbl, (text) => blockOp({ op: 'set_label', ...at, input: text })));
  arrowKeys(items);
  p.appendChild(items);
  items.firstChild.focus();
}

// ---------------------------------------------------------------------------------------------
// Parameters.
const sliders = {};
for (const id of PARAMS) {
  const label = document.createElement('label');
  const name = document.createElement('span');
  name.textContent = id;
  const input = document.createElement('input');
  input.type = 'range';
  input.min = id.startsWith('in') ? '-1' : '0';
  input.max = '1';
  input.step = '0.001';
  input.value = '0';
  input.id = `param-${id}`;
  const out = document.createElement('output');
  out.textContent = '0.000';
  input.addEventListener('input', () => {
    out.textContent = Number(input.value).toFixed(3);
    send(msg.paramSet(id, Number(input.value), 20));
  });
  label.append(name, input, out);
  $('params').appendChild(label);
  sliders[id] = { input, out };
}

// ---------------------------------------------------------------------------------------------
// Audio. The stream runs in a dedicated Worker with its own WebSocket (audio-worker.js), talking to
// the worklet directly over a MessagePort; the page only starts and stops it and shows its stats.
const audio = { ctx: null, node: null, analyser: null, worker: null, stats: null, target: 0, slack: 0, wanted: false };

async function startAudio() {
  audio.wanted = true;
  updatePlay();
  if (!audio.ctx) {
    const ctx = new AudioContext({ latencyHint: 'interactive' });
    await ctx.audioWorklet.addModule('pcm-worklet.js');
    const targetMs = 50;
    audio.target = Math.round((ctx.sampleRate * targetMs) / 1000);
    // Frames in flight (credited, not yet arrived) are on top of the target, so a late reply from
    // the server eats into this slack before it eats into the buffer.
    audio.slack = Math.max(1024, Math.round(audio.target / 2));
    const node = new AudioWorkletNode(ctx, 'pcm-player', {
      numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2],
      processorOptions: { capacity: 16384, target: audio.target, maxTarget: 4 * audio.target, reportEvery: 256 },
    });
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 32768;
    node.connect(analyser);
    analyser.connect(ctx.destination);
    const channel = new MessageChannel();
    node.port.postMessage({ type: 'port', port: channel.port1 }, [channel.port1]);
    const worker = new Worker('audio-worker.js', { type: 'module' });
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'stats') audio.stats = m;
      else if (m.type === 'state' && m.reason === 'jack') stopAudio(); // the JACK output took the sound
      else if (m.type === 'state') state.audio = m.audio;
      else if (m.type === 'error') state.errors.push(m.error);
    };
    Object.assign(audio, { ctx, node, analyser, worker, port: channel.port2 });
    worker.postMessage({
      type: 'start', url: wsUrl(location, token), rate: ctx.sampleRate, targetMs, target: audio.target, slack: audio.slack,
      port: channel.port2,
    }, [channel.port2]);
  } else {
    audio.worker.postMessage({ type: 'start', url: wsUrl(location, token), rate: audio.ctx.sampleRate, targetMs: 50, target: audio.target, slack: audio.slack });
  }
  state.audio = 'starting';
  await audio.ctx.resume();
}

async function stopAudio() {
  audio.wanted = false;
  if (audio.worker) audio.worker.postMessage({ type: 'stop' });
  state.audio = 'off';
  if (audio.ctx) await audio.ctx.suspend();
  updatePlay();
}

function updatePlay() {
  const b = $('play');
  b.disabled = !state.connected;
  b.textContent = (output() === 'jack' ? jack.playing : audio.wanted) ? '■ Stop' : '▶ Play';
}
$('play').addEventListener('click', () => {
  if (output() === 'jack') send(jack.playing ? msg.jackStop() : msg.jackStart());
  else if (audio.wanted) stopAudio();
  else startAudio();
});

// The JACK output (sigjit studio --jack): the server plays through JACK; the page starts and stops
// it and shows its state. The selector next to Play picks the output (JACK by default when it is
// offered); changing it while the sound plays moves the sound to the other output.
const jack = { offered: false, playing: false, chosen: false, thenBrowser: false };
const output = () => (jack.offered ? $('output').value : 'browser');
function setOutputs(modes, st) {
  jack.offered = Array.isArray(modes) && modes.includes('jack');
  $('output').hidden = !jack.offered;
  if (jack.offered && !jack.chosen) $('output').value = 'jack';
  onJack(st);
}
// audio.started, audio.stopped and jack.status with "mode":"jack" carry the state; so does hello.
function onJack(m) {
  state.jack = m || null;
  jack.playing = !!(m && m.playing);
  if (jack.playing) $('output').value = 'jack'; // whichever page started it
  if (jack.playing && audio.wanted) stopAudio();
  if (m && m.type === 'audio.stopped' && m.reason === 'server_gone') setHelp(`JACK: ${m.error}`, true);
  if (m && m.type === 'audio.stopped' && jack.thenBrowser) {
    jack.thenBrowser = false;
    startAudio();
  }
  updatePlay();
}
$('output').addEventListener('change', () => {
  jack.chosen = true;
  if (output() === 'jack' && audio.wanted) {
    stopAudio();
    send(msg.jackStart());
  } else if (output() === 'browser' && jack.playing) {
    jack.thenBrowser = true; // once JACK has let go of the sound (audio.stopped)
    send(msg.jackStop());
  }
  updatePlay();
});

// ---------------------------------------------------------------------------------------------
// Scope: frames of the library's capture, drawn at the display's rate.
// Taps: the fixed ones, then the program's persistent variables (`vars` of each compile result).
const TAPS = ['none', 'sig1', 'sig2', 'ret', ...PARAMS];
const scope = { frame: null, names: ['sig1', 'sig2', 'none'], dirty: true, vars: [] };
const traceUi = [];
// Refills a tap menu, keeping its choice (a variable the program no longer has stays listed).
function fillTaps(sel, i, chosen) {
  const names = [...TAPS, ...scope.vars];
  if (chosen && !names.includes(chosen)) names.push(chosen);
  sel.textContent = '';
  for (const t of names) {
    const o = document.createElement('option');
    o.value = t;
    o.textContent = `${i + 1}: ${t}`;
    sel.appendChild(o);
  }
  sel.value = chosen || 'none';
}
function setTapVars(vars) {
  if (!Array.isArray(vars) || JSON.stringify(vars) === JSON.stringify(scope.vars)) return;
  scope.vars = vars.filter((v) => typeof v === 'string');
  traceUi.forEach((t, i) => fillTaps(t.sel, i, t.sel.value));
}
for (let i = 0; i < 3; i++) {
  const sel = document.createElement('select');
  sel.id = `scope-tap${i + 1}`;
  fillTaps(sel, i, 'none');
  const off = document.createElement('input');
  Object.assign(off, { type: 'number', step: '0.1', min: '-1', max: '1', value: '0', id: `scope-offset${i + 1}`, title: `offset ${i + 1}` });
  const gain = document.createElement('input');
  Object.assign(gain, { type: 'number', step: '0.1', min: '0', max: '100', value: '1', id: `scope-gain${i + 1}`, title: `gain ${i + 1}` });
  sel.addEventListener('change', () => send({ type: 'scope.set', [`tap${i + 1}`]: sel.value }));
  off.addEventListener('change', () => send({ type: 'scope.set', [`offset${i + 1}`]: Number(off.value) }));
  gain.addEventListener('change', () => send({ type: 'scope.set', [`gain${i + 1}`]: Number(gain.value) }));
  $('scope-traces').append(sel, off, gain);
  traceUi.push({ sel, off, gain });
}
$('scope-time').addEventListener('input', () => {
  const ms = sliderToMs(Number($('scope-time').value));
  $('scope-time-out').textContent = fmtMs(ms);
  send({ type: 'scope.set', time_ms: Math.round(ms * 1000) / 1000 });
});
$('scope-trigger').addEventListener('change', () => send({ type: 'scope.set', trigger: $('scope-trigger').value }));
$('scope-threshold').addEventListener('change', () => send({ type: 'scope.set', threshold: Number($('scope-threshold').value) }));
$('scope-min').addEventListener('click', () => {
  const cv = $('scope');
  const min = !cv.classList.contains('min');
  cv.classList.toggle('min', min);
  cv.height = min ? 100 : 300;
  $('scope-controls').hidden = min;
  $('scope-min').textContent = min ? '+' : '−';
  scope.dirty = true;
});

function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s` : `${ms >= 10 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

function onScopeMeta(m) {
  state.scopeMeta = m;
  scope.names = m.traces.map((t) => t.tap);
  $('scope-time').value = String(msToSlider(m.time_ms));
  $('scope-time-out').textContent = fmtMs(m.time_ms);
  $('scope-trigger').value = m.trigger;
  $('scope-threshold').value = String(m.threshold);
  m.traces.forEach((t, i) => {
    fillTaps(traceUi[i].sel, i, t.tap);
    traceUi[i].off.value = String(t.offset);
    traceUi[i].gain.value = String(t.gain);
  });
  scope.dirty = true;
}

let lastStatus = '';
function drawLoop() {
  if (scope.dirty) {
    scope.dirty = false;
    const cv = $('scope');
    paintScope(cv.getContext('2d'), cv.width, cv.height, scope.frame, scope.names);
  }
  const st = audio.stats, j = jack.playing && state.jack;
  const status = `rev ${state.rev} · playing rev ${state.activeRev}` +
    (j ? ` · JACK ${j.client} ${j.rate} Hz, ${j.period} frames · DSP ${Number(j.dsp_load).toFixed(1)}% · xruns ${j.xruns}`
      : st ? ` · audio ${state.audio} ${audio.ctx ? audio.ctx.sampleRate : ''} Hz · buffer ${st.fill}/${st.target} · underruns ${st.underruns}` : '');
  if (status !== lastStatus) $('status').textContent = lastStatus = status; // no layout work when nothing changed
  requestAnimationFrame(drawLoop);
}
requestAnimationFrame(drawLoop);

// ---------------------------------------------------------------------------------------------
// Connection.
function send(m) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
}

function setConn(on, text) {
  state.connected = on;
  const c = $('conn');
  c.textContent = text;
  c.className = `conn ${on ? 'on' : 'off'}`;
  updatePlay();
}

function onMessage(m) {
  switch (m.type) {
    case 'hello':
      state.rev = m.rev;
      state.activeRev = m.active_rev;
      state.readonly = !!m.readonly;
      $('file').textContent = m.file + (m.readonly ? ' (blocks)' : '') + (m.saving ? '' : ' (not saved)');
      setEditorText(m.text);
      showBlocks(m.blocks, m.block_types);
      view.dispatch({ effects: editable.reconfigure(EditorView.editable.of(!state.readonly)) });
      for (const p of m.params || []) {
        if (sliders[p.id]) {
          sliders[p.id].input.value = String(p.value);
          sliders[p.id].out.textContent = Number(p.value).toFixed(3);
        }
      }
      if (m.last) {
        state.lastResult = m.last;
        showDiagnostics(m.last);
        showLayout(m.last);
        setTapVars(m.last.vars);
      }
      setOutputs(m.audio_modes, m.jack);
      setConn(true, 'connected');
      // Back after a disconnection: restart the audio stream now rather than after its own back-off.
      if (audio.wanted && audio.worker && state.audio !== 'on' && state.audio !== 'starting') startAudio();
      break;
    case 'compile.result':
      state.activeRev = m.active_rev;
      state.rev = Math.max(state.rev, m.rev);
      state.lastResult = m;
      if (typeof m.text === 'string' && state.readonly && m.rev >= state.rev) setEditorText(m.text);
      showLayout(m);
      if (m.ok) setTapVars(m.vars);
      // Positions refer to the text of that revision: show them only if no newer edit is on its way.
      if (!sendTimer && (m.req === state.lastSentReq || m.req === 0 || state.lastSentReq === -1)) showDiagnostics(m);
      break;
    case 'text':
      // Another page edited the program. Take its text unless an edit of ours is on its way.
      state.rev = Math.max(state.rev, m.rev);
      state.lastSentReq = -1; // the diagnostics that follow belong to that page's text
      if (!sendTimer) setEditorText(m.text);
      break;
    case 'blocks':
      state.rev = Math.max(state.rev, m.rev);
      state.undo = m.undo;
      state.redo = m.redo;
      state.blocksOps = (state.blocksOps || 0) + 1;
      showBlocks(m.blocks, null);
      setHelp(`${m.op}: done · ${m.undo} to undo, ${m.redo} to redo`);
      break;
    case 'scope.meta':
      onScopeMeta(m);
      break;
    case 'param': // set by another page, or by a MIDI controller on the studio's JACK client
      state.params[m.id] = m.value;
      if (sliders[m.id] && typeof m.value === 'number' && document.activeElement !== sliders[m.id].input) {
        sliders[m.id].input.value = String(m.value);
        sliders[m.id].out.textContent = m.value.toFixed(3);
      }
      break;
    case 'audio.started':
    case 'audio.stopped':
    case 'jack.status':
      if (m.mode === 'jack') onJack(m);
      break;
    case 'error':
      state.errors.push(m);
      setHelp(m.code === 'refused' ? `refused: ${m.message}` : `server: ${m.message}`, true);
      break;
    default:
      break;
  }
}

function connect() {
  setConn(false, state.everConnected ? 'reconnecting…' : 'connecting…');
  const sock = new WebSocket(wsUrl(location, token));
  sock.binaryType = 'arraybuffer';
  ws = sock;
  sock.onopen = () => {
    attempt = 0;
    state.everConnected = true;
    state.connects++;
    sock.send(JSON.stringify(msg.hello()));
  };
  sock.onmessage = (e) => {
    if (typeof e.data === 'string') {
      const m = parseServerMessage(e.data);
      if (m) onMessage(m);
    } else {
      state.bytesIn += e.data.byteLength;
      const kind = binaryKind(e.data);
      if (kind === KIND_SCOPE) {
        const f = decodeScope(e.data);
        if (f) {
          scope.frame = f;
          scope.dirty = true;
          state.scopeFrames++;
        }
      }
    }
  };
  sock.onclose = () => {
    if (ws !== sock) return;
    const delay = backoffMs(attempt++);
    setConn(false, `disconnected; retrying in ${(delay / 1000).toFixed(1)} s`);
    setTimeout(connect, delay);
  };
}

if (!token) setConn(false, 'no token: open the URL that sigjit studio printed');
else connect();

// Read-only hook for the end-to-end tests.
window.__studio = {
  state: () => JSON.parse(JSON.stringify(state)),
  stats: () => (audio.stats ? { ...audio.stats, rate: audio.ctx.sampleRate, ctxState: audio.ctx.state } : null),
  text: () => view.state.doc.toString(),
  cellCenter: (area, x, y, half = 0) => {
    const c = blocks.layout && cellCenter(blocks.layout, area, x, y, half);
    if (!c) return null;
    revealInGrid(c); // so a pointer event there reaches the canvas
    const r = $('blocks').getBoundingClientRect();
    return { x: r.left + c.x, y: r.top + c.y };
  },
  blocks: () => (blocks.layout ? blocks.layout.areas.map((a) => ({ id: a.id, x: a.x, y: a.y, w: a.w, h: a.h, cols: a.cols, rows: a.rows,
    blocks: a.blocks.map((b) => ({ id: b.id, typ: b.typ, lbl: b.lbl, col: b.col, row: b.row, rows: b.rows, x: b.x, y: b.y, w: b.w, h: b.h, color: b.color,
      inputs: b.inputs, outputs: b.outputs })) })) : null),
  cursor: () => (blocks.cursor ? { ...blocks.cursor, shown: cursorShown() } : null),
  scope: () => (scope.frame ? { sweep: scope.frame.sweep, trigger: scope.frame.trigger, threshold: scope.frame.threshold,
    timeMs: scope.frame.timeMs, filled: scope.frame.filled,
    traces: scope.frame.traces.map((t) => ({ active: t.active, offset: t.offset, gain: t.gain, points: Array.from(t.points) })) } : null),
  view,
  // Level and frequency of the left channel over the analyser's window (about 0.68 s at 48 kHz).
  measure: () => {
    if (!audio.analyser) return null;
    const x = new Float32Array(audio.analyser.fftSize);
    audio.analyser.getFloatTimeDomainData(x);
    return { rms: rms(x), hz: zeroCrossingHz(x, audio.ctx.sampleRate), n: x.length };
  },
};
