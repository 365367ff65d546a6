// The block editor's popups, one at a time in one element: the type picker (on an empty cell), the
// block menu (on a block) and the entry for a value, identifier or new label. Arrow keys move the focus
// between a popup's buttons; Escape (blockview.js) closes it.
import { pickerEntries } from './blocks.js';

// el: the popup's element; types(): the block types; blockOp(op): sends a block operation;
// beforeOpen(): called as a popup opens (the tooltip hides); returnFocus(): the focus goes back to the
// grid when a popup that had it closes.
export function createPopups({ el, types, blockOp, beforeOpen, returnFocus }) {
  // Closes the popup; if it had the focus, the grid takes it back (so the keyboard can go on there).
  function close() {
    const focused = el.contains(document.activeElement);
    el.hidden = true;
    el.textContent = '';
    if (focused) returnFocus();
  }

  function place(x, y) {
    beforeOpen();
    el.hidden = false;
    el.style.left = `${Math.max(0, Math.min(x, window.innerWidth - 320))}px`;
    el.style.top = `${Math.max(0, Math.min(y, window.innerHeight - 200))}px`;
    return el;
  }

  // The type picker at window pixel (x, y) for the empty cell `at` ({area, x, y}): one button per type,
  // "(cate) name", filtered as you type; Enter takes the first.
  function openPicker(x, y, at) {
    const p = place(x, y);
    const filter = document.createElement('input');
    filter.placeholder = 'type to filter';
    filter.id = 'picker-filter';
    const items = document.createElement('div');
    items.className = 'items';
    const fill = () => {
      items.textContent = '';
      for (const t of pickerEntries(types(), filter.value)) {
        const b = button(t.label, () => choose(t));
        b.title = t.description;
        items.appendChild(b);
      }
    };
    const choose = (t) => {
      if (t.user_input === 'none') {
        close();
        blockOp({ op: 'instantiate', area: at.area, x: at.x, y: at.y, typ: t.name });
      } else {
        openEntry(x, y, t.user_input === 'identifier' ? `${t.name}: identifier` : `${t.name}: value`, '', (text) =>
          blockOp({ op: 'instantiate', area: at.area, x: at.x, y: at.y, typ: t.name, input: text }));
      }
    };
    filter.addEventListener('input', fill);
    filter.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        const first = pickerEntries(types(), filter.value)[0];
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

  // The entry popup for value, get and set blocks: `done(text)` on Enter.
  function openEntry(x, y, title, value, done) {
    close();
    const p = place(x - 50, y - 20);
    const label = document.createElement('div');
    label.textContent = title;
    const input = document.createElement('input');
    input.id = 'entry';
    input.value = value;
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        close();
        done(input.value);
      }
    });
    p.append(label, input);
    input.focus();
  }

  // The block menu at window pixel (x, y) for g ({area, x, y, block}): split ->, split, delete (and a
  // new label for value, get and set blocks).
  function openMenu(x, y, g) {
    const p = place(x, y);
    const items = document.createElement('div');
    items.className = 'items';
    const item = (text, fn) => items.appendChild(button(text, () => { close(); fn(); }));
    const at = { area: g.area, x: g.x, y: g.y };
    item('split ->', () => blockOp({ op: 'split_chain', ...at, filler: '->' }));
    item('split', () => blockOp({ op: 'split_chain', ...at, filler: null }));
    item('delete', () => blockOp({ op: 'remove', ...at }));
    const t = types().find((k) => k.name === g.block.typ);
    if (t && t.user_input !== 'none') item('label…', () => openEntry(x, y, `${t.name}: new label`, g.block.lbl, (text) => blockOp({ op: 'set_label', ...at, input: text })));
    arrowKeys(items);
    p.appendChild(items);
    items.firstChild.focus();
  }

  return { openPicker, openMenu, close, isOpen: () => !el.hidden };
}

function button(text, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
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
