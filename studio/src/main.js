// The studio page: a CodeMirror editor on the server's program, diagnostics from the server shown
// inline, live audio through an AudioWorklet, an output scope and parameter sliders.
// docs/studio.md describes the protocol; window.__studio is a read-only hook for the tests.
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { setDiagnostics, lintGutter } from '@codemirror/lint';
import { sigjitLanguage } from './lang.js';
import { rangeOnLine, describe } from './diag.js';
import { PARAMS, KIND_AUDIO, decodeBinary, parseServerMessage, msg, backoffMs, wsUrl } from './protocol.js';
import { rms, zeroCrossingHz, minMaxColumns } from './analysis.js';

const $ = (id) => document.getElementById(id);

// The token arrives in the URL (?t=...); keep it for this tab and take it out of the address bar.
const url = new URL(location.href);
let token = url.searchParams.get('t');
if (token) {
  sessionStorage.setItem('sjstudio-token', token);
  url.searchParams.delete('t');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
} else {
  token = sessionStorage.getItem('sjstudio-token') || '';
}

const state = {
  connected: false, everConnected: false, connects: 0, rev: 0, activeRev: 0, serverText: '', readonly: false,
  diagnostics: [], lastResult: null, req: 0, lastSentReq: 0, errors: [], params: {}, audio: 'off',
  rate: 0, bytesIn: 0, audioMessages: 0,
};
let ws = null, attempt = 0, applyingRemote = false, sendTimer = null;

// ---------------------------------------------------------------------------------------------
// Editor.
const view = new EditorView({
  parent: $('editor'),
  state: EditorState.create({
    doc: '',
    extensions: [
      lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), history(),
      keymap.of([...defaultKeymap, ...historyKeymap]), sigjitLanguage, syntaxHighlighting(defaultHighlightStyle),
      lintGutter(), EditorView.lineWrapping,
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
  for (const d of result.diagnostics || []) {
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
// Audio.
const audio = { ctx: null, node: null, analyser: null, stats: null, target: 0, wanted: false };
const scopeBuf = { l: new Float32Array(4096), r: new Float32Array(4096), w: 0 };

async function startAudio() {
  audio.wanted = true;
  if (!audio.ctx) {
    const ctx = new AudioContext({ latencyHint: 'interactive' });
    await ctx.audioWorklet.addModule('pcm-worklet.js');
    const targetMs = 50;
    audio.target = Math.round((ctx.sampleRate * targetMs) / 1000);
    const node = new AudioWorkletNode(ctx, 'pcm-player', {
      numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2],
      processorOptions: { capacity: 16384, target: audio.target, reportEvery: 256 },
    });
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 32768;
    node.connect(analyser);
    analyser.connect(ctx.destination);
    node.port.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'consumed') send(msg.audioCredit(m.frames));
      else if (m.type === 'stats') audio.stats = m;
    };
    Object.assign(audio, { ctx, node, analyser });
  }
  await audio.ctx.resume();
  requestAudioStream();
}

function requestAudioStream() {
  if (!audio.ctx || !state.connected) return;
  audio.node.port.postMessage({ type: 'reset' });
  state.audio = 'starting';
  send(msg.audioStart(audio.ctx.sampleRate, 50));
}

async function stopAudio() {
  audio.wanted = false;
  send(msg.audioStop());
  state.audio = 'off';
  if (audio.ctx) await audio.ctx.suspend();
  updatePlay();
}

function onAudio(frame) {
  if (frame.kind !== KIND_AUDIO || frame.channels !== 2 || !audio.node) return;
  state.audioMessages++;
  const s = frame.samples;
  for (let i = 0; i < frame.frames; i++) {
    scopeBuf.l[scopeBuf.w] = s[2 * i];
    scopeBuf.r[scopeBuf.w] = s[2 * i + 1];
    scopeBuf.w = (scopeBuf.w + 1) % scopeBuf.l.length;
  }
  const copy = new Float32Array(s);
  audio.node.port.postMessage({ type: 'pcm', samples: copy }, [copy.buffer]);
}

function updatePlay() {
  const b = $('play');
  b.disabled = !state.connected;
  b.textContent = audio.wanted ? '■ Stop' : '▶ Play';
}
$('play').addEventListener('click', () => (audio.wanted ? stopAudio() : startAudio()));

// ---------------------------------------------------------------------------------------------
// Scope: min/max envelope of the last 4096 output frames.
function drawScope() {
  const cv = $('scope');
  const g = cv.getContext('2d');
  const W = cv.width, H = cv.height;
  g.fillStyle = '#111920';
  g.fillRect(0, 0, W, H);
  g.strokeStyle = '#1e333d';
  g.beginPath();
  g.moveTo(0, H / 2);
  g.lineTo(W, H / 2);
  g.stroke();
  const n = scopeBuf.l.length;
  const ordered = (buf) => {
    const o = new Float32Array(n);
    o.set(buf.subarray(scopeBuf.w));
    o.set(buf.subarray(0, scopeBuf.w), n - scopeBuf.w);
    return o;
  };
  const traces = [[ordered(scopeBuf.l), '#4cdb80'], [ordered(scopeBuf.r), '#b45745']];
  for (const [x, color] of traces) {
    const { min, max } = minMaxColumns(x, W);
    g.fillStyle = color;
    g.globalAlpha = 0.7;
    for (let c = 0; c < W; c++) {
      const y0 = H / 2 - max[c] * (H / 2 - 4), y1 = H / 2 - min[c] * (H / 2 - 4);
      g.fillRect(c, y0, 1, Math.max(1, y1 - y0));
    }
  }
  g.globalAlpha = 1;
  const st = audio.stats;
  $('status').textContent = `rev ${state.rev} · playing rev ${state.activeRev}` +
    (st ? ` · audio ${state.audio} ${audio.ctx ? audio.ctx.sampleRate : ''} Hz · buffer ${st.fill} · underruns ${st.underruns}` : '');
  requestAnimationFrame(drawScope);
}
requestAnimationFrame(drawScope);

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
      $('file').textContent = m.file + (m.saving ? '' : m.readonly ? ' (block program, read-only)' : ' (not saved)');
      setEditorText(m.text);
      view.dispatch({ effects: [] });
      view.contentDOM.contentEditable = state.readonly ? 'false' : 'true';
      for (const p of m.params || []) {
        if (sliders[p.id]) {
          sliders[p.id].input.value = String(p.value);
          sliders[p.id].out.textContent = Number(p.value).toFixed(3);
        }
      }
      if (m.last) {
        state.lastResult = m.last;
        showDiagnostics(m.last);
      }
      setConn(true, 'connected');
      if (audio.wanted) requestAudioStream();
      break;
    case 'compile.result':
      state.activeRev = m.active_rev;
      state.rev = Math.max(state.rev, m.rev);
      state.lastResult = m;
      // Positions refer to the text of that revision: show them only if no newer edit is on its way.
      if (!sendTimer && (m.req === state.lastSentReq || m.req === 0)) showDiagnostics(m);
      break;
    case 'param':
      state.params[m.id] = m.value;
      break;
    case 'audio.started':
      state.audio = 'on';
      state.rate = m.rate;
      send(msg.audioCredit(audio.target));
      break;
    case 'audio.stopped':
      state.audio = 'off';
      break;
    case 'error':
      state.errors.push(m);
      $('help').textContent = `server: ${m.message}`;
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
      const f = decodeBinary(e.data);
      if (f) onAudio(f);
    }
  };
  sock.onclose = () => {
    if (ws !== sock) return;
    const delay = backoffMs(attempt++);
    setConn(false, `disconnected; retrying in ${(delay / 1000).toFixed(1)} s`);
    if (state.audio !== 'off') state.audio = 'waiting';
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
  view,
  // Level and frequency of the left channel over the analyser's window (about 0.68 s at 48 kHz).
  measure: () => {
    if (!audio.analyser) return null;
    const x = new Float32Array(audio.analyser.fftSize);
    audio.analyser.getFloatTimeDomainData(x);
    return { rms: rms(x), hz: zeroCrossingHz(x, audio.ctx.sampleRate), n: x.length };
  },
};
