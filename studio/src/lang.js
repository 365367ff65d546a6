// A CodeMirror stream mode for the sigjit text language (docs/language.md): comments, numbers,
// keywords, special variables (&sig1, $srate, %1, *persistent), node calls, labels (node@label).
import { StreamLanguage } from '@codemirror/language';

const keywords = new Set(['if', 'else', 'buf', 'buf~', 'table', 'table~', 'decl', 'inf', 'nan']);
const word = /^[A-Za-z0-9_&~$%'\u0080-\uffff]+/;

export const sigjitLanguage = StreamLanguage.define({
  name: 'sigjit',
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.match('#')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match(/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(?![A-Za-z_])/)) return 'number';
    if (stream.match(/^[&$%][A-Za-z0-9_]*/)) return 'variableName.special';
    if (stream.match(/^\*[A-Za-z_][A-Za-z0-9_]*/)) return 'variableName.special';
    if (stream.match('@')) {
      stream.match(/^[A-Za-z0-9_]+/);
      return 'labelName';
    }
    const m = stream.match(word);
    if (m) {
      const w = m[0];
      if (keywords.has(w)) return 'keyword';
      if (stream.match(/^\s*[(@]/, false)) return 'variableName.function';
      if (/^[A-Z][A-Z0-9_]*$/.test(w)) return 'atom';
      return 'variableName';
    }
    if (stream.match(/^(==|!=|<=|>=|[-+*/<>=!])/)) return 'operator';
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: '#' } },
});
