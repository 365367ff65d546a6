// The studio's dark editor theme, in the reference UI's colours (docs/studio.md).
import { EditorView } from '@codemirror/view';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

const theme = EditorView.theme({
  '&': { color: '#d8dee4', backgroundColor: '#111920' },
  '.cm-content': { caretColor: '#ecf9ce', fontFamily: 'monospace' },
  '.cm-gutters': { backgroundColor: '#192129', color: '#59bca3', borderRight: '1px solid #1e333d' },
  '.cm-activeLine': { backgroundColor: '#19212999' },
  '.cm-activeLineGutter': { backgroundColor: '#1e333d' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: '#922f9366' },
  '.cm-tooltip': { backgroundColor: '#192129', color: '#ecf9ce', border: '1px solid #922f93' },
  '.cm-diagnostic-error': { borderLeft: '4px solid #ff6b8b' },
  '.cm-diagnostic-warning': { borderLeft: '4px solid #e6c34a' },
  '.cm-diagnosticSource': { color: '#8a9aa4' },
}, { dark: true });

const highlight = HighlightStyle.define([
  { tag: t.comment, color: '#8a9aa4', fontStyle: 'italic' },
  { tag: t.number, color: '#4cdb80' },
  { tag: t.keyword, color: '#dc4fc1', fontWeight: 'bold' },
  { tag: t.function(t.variableName), color: '#03b5e7' },
  { tag: t.special(t.variableName), color: '#e6c34a' },
  { tag: t.special(t.string), color: '#e6c34a' },
  { tag: t.atom, color: '#ac70fa' },
  { tag: t.labelName, color: '#9850a9' },
  { tag: t.operator, color: '#bec8a6' },
  { tag: t.variableName, color: '#d8dee4' },
]);

export const studioTheme = [theme, syntaxHighlighting(highlight)];
