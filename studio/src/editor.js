// The text editor: CodeMirror on the program's text. An edit goes to the server (text.set) 150 ms after
// the last change; the server's diagnostics are shown inline and listed under the editor (#diags).
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter } from '@codemirror/view';
import { EditorState, Compartment } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { setDiagnostics, lintGutter } from '@codemirror/lint';
import { sigjitLanguage } from './lang.js';
import { studioTheme } from './theme.js';
import { rangeOnLine, describe } from './diag.js';
import { msg } from './protocol.js';

// parent: the editor's element; list: the diagnostics' list; state: the page's state (connected,
// readonly, rev are read; diagnostics is written); send(message); nextReq(): a new request id.
export function createEditor({ parent, list, state, send, nextReq }) {
  let applyingRemote = false, sendTimer = null;
  const editable = new Compartment();
  const view = new EditorView({
    parent,
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
      send(msg.textSet(nextReq(), state.rev, view.state.doc.toString()));
    }, 150);
  }

  // The server's text (another page's edit, or what a block program compiles to), keeping the cursor.
  function setText(text) {
    if (view.state.doc.toString() === text) return;
    applyingRemote = true;
    const head = Math.min(view.state.selection.main.head, text.length);
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: head } });
    applyingRemote = false;
  }

  // A compile result's diagnostics: those with a position in the text inline, all of them in the list
  // with a last line that says what plays.
  function showDiagnostics(result) {
    const doc = view.state.doc;
    const marks = [];
    for (const d of result.diagnostics || []) {
      if (!d.line) continue; // no position in the text (e.g. an error of a block: drawn on the block)
      const line = doc.line(Math.min(Math.max(1, d.line), doc.lines));
      const r = rangeOnLine(line.from, line.text, d.col, d.span);
      marks.push({
        from: r.from, to: r.to, severity: d.severity === 'note' ? 'info' : d.severity,
        message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message, source: 'sigjit',
      });
    }
    state.diagnostics = marks.map((d) => ({ ...d }));
    view.dispatch(setDiagnostics(view.state, marks));
    list.textContent = '';
    const item = (cls, text) => {
      const li = document.createElement('li');
      li.className = cls;
      li.textContent = text;
      list.appendChild(li);
    };
    for (const d of result.diagnostics || []) item(d.severity, describe(d));
    if (result.ok) item('ok', `rev ${result.rev} compiled in ${result.compile_us} µs and playing${result.saved ? ', saved' : ''}`);
    else item('warning', `rev ${result.rev} has errors; rev ${result.active_rev} keeps playing`);
  }

  return {
    view,
    text: () => view.state.doc.toString(),
    setText,
    // An edit of this page is waiting to be sent: the server's text and diagnostics are older than it.
    editPending: () => sendTimer !== null,
    showDiagnostics,
    setEditable: (on) => view.dispatch({ effects: editable.reconfigure(EditorView.editable.of(on)) }),
  };
}
