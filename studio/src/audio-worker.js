// The audio stream's own thread: a dedicated Worker with its own WebSocket, joined to the audio
// worklet by a MessagePort. Credit (frames the worklet played) goes to the server and PCM comes
// back without ever waiting for the page's main thread, so editing, drawing or garbage collection
// there cannot starve the sound (docs/studio.md, "Audio").
import { KIND_AUDIO, decodeBinary, parseServerMessage, msg, backoffMs } from './protocol.js';

let ws = null, port = null, cfg = null, attempt = 0, running = false, timer = null;
let streaming = false; // false once the server stopped the stream: the worklet's credit stays here

function post(m) {
  self.postMessage(m);
}

function connect() {
  timer = null;
  if (!running) return;
  const sock = new WebSocket(cfg.url);
  sock.binaryType = 'arraybuffer';
  ws = sock;
  sock.onopen = () => {
    attempt = 0;
    sock.send(JSON.stringify(msg.hello()));
    port.postMessage({ type: 'reset' }); // a new stream: the worklet starts from its first target
    sock.send(JSON.stringify(msg.audioStart(cfg.rate, cfg.targetMs)));
    streaming = true;
  };
  sock.onmessage = (e) => {
    if (typeof e.data === 'string') {
      const m = parseServerMessage(e.data);
      if (!m || m.mode === 'jack') return; // the JACK output's news are the page's business
      if (m.type === 'audio.started') {
        sock.send(JSON.stringify(msg.audioCredit(cfg.target + cfg.slack)));
        post({ type: 'state', audio: 'on', rate: m.rate });
      } else if (m.type === 'audio.stopped') {
        streaming = false;
        post({ type: 'state', audio: 'off', reason: m.reason });
      } else if (m.type === 'error') {
        post({ type: 'error', error: m });
      }
      return;
    }
    const f = decodeBinary(e.data);
    if (!f || f.kind !== KIND_AUDIO || f.channels !== 2) return; // scope frames are the page's business
    // The samples' view goes along with the message's buffer: moved, not copied.
    port.postMessage({ type: 'pcm', samples: f.samples }, [e.data]);
  };
  sock.onclose = () => {
    if (ws !== sock || !running) return;
    post({ type: 'state', audio: 'waiting' });
    timer = setTimeout(connect, backoffMs(attempt++));
  };
}

self.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'start') {
    cfg = m;
    if (!port) {
      port = m.port;
      port.onmessage = (ev) => {
        const w = ev.data;
        if (w.type === 'consumed') {
          if (streaming && ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg.audioCredit(w.frames)));
        } else if (w.type === 'stats') {
          post(w);
        }
      };
    }
    running = true;
    // (Re)start now: the page calls this when its own connection is back, so the sound does not
    // wait for this worker's back-off.
    clearTimeout(timer);
    attempt = 0;
    if (ws) { const old = ws; ws = null; old.close(); }
    connect();
  } else if (m.type === 'stop') {
    running = false;
    clearTimeout(timer);
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg.audioStop()));
    if (ws) { const old = ws; ws = null; old.close(); }
    post({ type: 'state', audio: 'off' });
  }
};
