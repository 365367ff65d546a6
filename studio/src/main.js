// The studio page: creates its parts (editor.js, blockview.js, params.js, audio.js, scopepanel.js),
// owns the connection to the server and hands its messages to them, and runs the display-frame loop
// (scope and status line). docs/studio.md describes the protocol; window.__studio is a read-only hook
// for the tests.
import { $ } from './dom.js';
import { KIND_SCOPE, decodeScope, binaryKind, parseServerMessage, msg, backoffMs, wsUrl } from './protocol.js';
import { createEditor } from './editor.js';
import { createBlockView } from './blockview.js';
import { createParams } from './params.js';
import { createAudio } from './audio.js';
import { createScopePanel } from './scopepanel.js';

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
const serverUrl = wsUrl(location, token);

// The page's state, shared with its parts (each says what it reads and writes) and copied by
// window.__studio.state().
const state = {
  connected: false, everConnected: false, connects: 0, rev: 0, activeRev: 0, readonly: false,
  diagnostics: [], lastResult: null, req: 0, lastSentReq: 0, errors: [], params: {}, audio: 'off',
  bytesIn: 0, scopeFrames: 0, scopeMeta: null,
};
let ws = null, attempt = 0;

function send(m) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
}
// A request id for an edit (text or block operation): its compile result is the one to show.
function nextReq() {
  state.req += 1;
  state.lastSentReq = state.req;
  return state.req;
}
// The footer: what the last operation did, or why it was refused.
function setHelp(text, isError = false) {
  const f = $('help');
  f.textContent = text;
  f.title = text;
  f.classList.toggle('error', isError);
}

const editor = createEditor({ parent: $('editor'), list: $('diags'), state, send, nextReq });
const blockView = createBlockView({ state, send, nextReq });
const params = createParams({ parent: $('params'), state, send });
const audio = createAudio({ state, send, url: serverUrl, setHelp });
const scopePanel = createScopePanel({ state, send });

// A compile result's diagnostics: in the text, and the block a failed compile blames.
function showDiagnostics(result) {
  blockView.setBad(result.ok ? 0 : result.block || 0);
  editor.showDiagnostics(result);
}

let lastStatus = '';
function drawLoop() {
  scopePanel.draw();
  const status = `rev ${state.rev} · playing rev ${state.activeRev}${audio.status()}`;
  if (status !== lastStatus) $('status').textContent = lastStatus = status; // no layout work when nothing changed
  requestAnimationFrame(drawLoop);
}
requestAnimationFrame(drawLoop);

// ---------------------------------------------------------------------------------------------
// Connection.
function setConn(on, text) {
  state.connected = on;
  const c = $('conn');
  c.textContent = text;
  c.className = `conn ${on ? 'on' : 'off'}`;
  audio.updatePlay();
}

function onMessage(m) {
  switch (m.type) {
    case 'hello':
      state.rev = m.rev;
      state.activeRev = m.active_rev;
      state.readonly = !!m.readonly;
      $('file').textContent = m.file + (m.readonly ? ' (blocks)' : '') + (m.saving ? '' : ' (not saved)');
      editor.setText(m.text);
      blockView.show(m.blocks, m.block_types);
      editor.setEditable(!state.readonly);
      params.hello(m.params);
      if (m.last) {
        state.lastResult = m.last;
        showDiagnostics(m.last);
        blockView.showLayout(m.last);
        scopePanel.setVars(m.last.vars);
      }
      audio.hello(m.audio_modes, m.jack);
      setConn(true, 'connected');
      audio.reconnected();
      break;
    case 'compile.result':
      state.activeRev = m.active_rev;
      state.rev = Math.max(state.rev, m.rev);
      state.lastResult = m;
      if (typeof m.text === 'string' && state.readonly && m.rev >= state.rev) editor.setText(m.text);
      blockView.showLayout(m);
      if (m.ok) scopePanel.setVars(m.vars);
      // Positions refer to the text of that revision: show them only if no newer edit is on its way.
      if (!editor.editPending() && (m.req === state.lastSentReq || m.req === 0 || state.lastSentReq === -1)) showDiagnostics(m);
      break;
    case 'text':
      // Another page edited the program. Take its text unless an edit of ours is on its way.
      state.rev = Math.max(state.rev, m.rev);
      state.lastSentReq = -1; // the diagnostics that follow belong to that page's text
      if (!editor.editPending()) editor.setText(m.text);
      break;
    case 'blocks':
      state.rev = Math.max(state.rev, m.rev);
      state.undo = m.undo;
      state.redo = m.redo;
      state.blocksOps = (state.blocksOps || 0) + 1;
      blockView.show(m.blocks, null);
      setHelp(`${m.op}: done · ${m.undo} to undo, ${m.redo} to redo`);
      break;
    case 'scope.meta':
      scopePanel.onMeta(m);
      break;
    case 'param':
      params.onParam(m);
      break;
    case 'audio.started':
    case 'audio.stopped':
    case 'jack.status':
      if (m.mode === 'jack') audio.onJack(m);
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
  const sock = new WebSocket(serverUrl);
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
      if (binaryKind(e.data) === KIND_SCOPE) {
        const f = decodeScope(e.data);
        if (f) scopePanel.onFrame(f);
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
  stats: audio.stats,
  text: editor.text,
  cellCenter: blockView.cellCenter,
  blocks: blockView.areas,
  cursor: blockView.cursor,
  scope: scopePanel.snapshot,
  view: editor.view,
  measure: audio.measure,
};
