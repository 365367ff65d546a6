// Server diagnostics (1-based line, column in characters = Unicode code points, span in
// characters) to editor offsets (UTF-16 code units, as CodeMirror counts). Pure functions.

// Offset in `lineText` (UTF-16) of code point `cp` (0-based), clamped to the line's end.
export function cpToUtf16(lineText, cp) {
  let i = 0;
  for (let k = 0; k < cp && i < lineText.length; k++) {
    const c = lineText.charCodeAt(i);
    i += c >= 0xd800 && c < 0xdc00 && i + 1 < lineText.length ? 2 : 1;
  }
  return i;
}

// Range {from, to} for a diagnostic on the line starting at document offset lineFrom with text
// lineText. col 0 (no position) marks the whole line; an empty range is widened to one character
// where the line allows it, so the mark stays visible.
export function rangeOnLine(lineFrom, lineText, col, span) {
  if (!col || col < 1) return { from: lineFrom, to: lineFrom + lineText.length };
  const a = cpToUtf16(lineText, col - 1);
  const b = cpToUtf16(lineText, col - 1 + Math.max(1, span || 1));
  return { from: lineFrom + a, to: lineFrom + Math.max(b, Math.min(a + 1, lineText.length)) };
}

// The same over a whole text (for tests and for messages without an editor).
export function rangeInText(text, line, col, span) {
  const lines = text.split('\n');
  const ln = Math.min(Math.max(1, line || 1), lines.length);
  let from = 0;
  for (let i = 0; i < ln - 1; i++) from += lines[i].length + 1;
  return rangeOnLine(from, lines[ln - 1], line ? col : 0, span);
}

// A one-line text for a diagnostic, as the CLI prints it.
export function describe(d) {
  const where = d.line ? `${d.line}:${d.col}: ` : '';
  return `${where}${d.severity}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}`;
}
