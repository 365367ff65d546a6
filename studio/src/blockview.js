// The block pane: a block program's blocks as the reference draws them, edited with its gestures or the
// keyboard (a cursor on the grid), with help in a tooltip by the pointer or the cursor; for a text
// program, the server's block view of it (read only) or why blocks cannot show it. The drawing, hit
// tests, gestures and cursor moves are blocks.js; the picker and menu are blockpopups.js.
import { $ } from './dom.js';
import {
  layout as layoutBlocks, draw as drawBlocks, hit as hitBlocks, helpText, keyHints, gesture, cellCenter, cellRect, cellAt,
  clampCursor, moveCursor, nextArea, tipPosition,
} from './blocks.js';
import { createPopups } from './blockpopups.js';

// The keyboard: arrows move the cursor within its area (its margin included), Tab and Shift+Tab go to
// the next or previous area (past the last or first the focus leaves the grid), Enter opens the
// picker on an empty cell or the menu on a block, Delete or Backspace removes the cursor's block (the
// hovered one when the mouse was used last).
const STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

// state: the page's state (readonly: a block program, which the pane edits); send(message);
// nextReq(): a new request id (a block operation's compile result is the one to show).
export function createBlockView({ state, send, nextReq }) {
  const cv = $('blocks');
  // cursor: the keyboard cursor's cell; cursorIn: where it was in each area (Tab goes back there);
  // kbd: the keyboard was used last (the cursor is drawn, and Delete takes its block, not the hovered
  // one); bad: the block a failed compile blames; down: the press of a gesture; pan: a middle-drag.
  const blocks = {
    layout: null, types: [], hover: null, cursor: null, cursorIn: new Map(), kbd: false, bad: 0,
    down: null, pan: null, marks: {}, marksKey: '',
  };
  let tipTimer = 0;
  const popups = createPopups({
    el: $('popup'), types: () => blocks.types, blockOp, beforeOpen: hideTip,
    returnFocus: () => { if (blocks.layout) cv.focus(); },
  });

  function blockOp(op) {
    send({ type: 'blocks.op', req: nextReq(), ...op });
  }

  // A block program's snapshot (null: none) and, with hello, the block types.
  function show(snap, types) {
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
    cv.width = blocks.layout.width;
    cv.height = blocks.layout.height;
    redraw();
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
    show(result.layout || null, null);
    $('blocks-pane').hidden = !result.layout && !e;
    cv.hidden = !result.layout;
    why.hidden = !e;
    why.textContent = e ? `${e.line ? `line ${e.line}, column ${e.col}: ` : ''}${e.message}` : '';
  }
  // The block a failed compile blames (0: none), drawn in the error colour.
  function setBad(id) {
    blocks.bad = id;
    redraw();
  }

  function pointerHit(e) {
    const r = cv.getBoundingClientRect();
    return hitBlocks(blocks.layout, e.clientX - r.left, e.clientY - r.top);
  }
  const cursorShown = () => blocks.kbd && !!blocks.cursor && document.activeElement === cv;
  function redraw() {
    if (!blocks.layout) return;
    const c = cursorShown() && blocks.cursor;
    const marks = { ...blocks.marks, cursor: c && cellRect(blocks.layout, c.area, c.x, c.y) };
    drawBlocks(cv.getContext('2d'), blocks.layout, blocks.hover, blocks.bad, marks);
  }
  // Scrolls the grid so that the canvas pixel c is well inside the visible part.
  function revealInGrid(c) {
    const sc = cv.parentElement;
    if (c.y < sc.scrollTop + 20 || c.y > sc.scrollTop + sc.clientHeight - 20) sc.scrollTop = Math.max(0, c.y - sc.clientHeight / 2);
    if (c.x < sc.scrollLeft + 20 || c.x > sc.scrollLeft + sc.clientWidth - 20) sc.scrollLeft = Math.max(0, c.x - sc.clientWidth / 2);
  }
  // Outlines as the reference draws them: the empty cell under the pointer; while dragging a block,
  // where it would land (as tall as the block, shifted up by the row it was grabbed at) and the block
  // itself. Says whether they changed.
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

  // The tooltip: `text` and the keys that work there, next to `anchor` (a block or cell, canvas pixels),
  // starting at the window x `px`; it stays inside the window and off the anchor (tipPosition).
  function showTip(text, hints, anchor, px) {
    clearTimeout(tipTimer);
    const el = $('tip');
    if (popups.isOpen()) return hideTip(); // never over a picker or menu
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
    const r = cv.getBoundingClientRect(), size = el.getBoundingClientRect();
    const a = { x: r.left + anchor.x, y: r.top + anchor.y, w: anchor.w, h: anchor.h };
    const pos = tipPosition(a, { w: size.width, h: size.height }, { w: window.innerWidth, h: window.innerHeight }, px);
    el.style.left = `${pos.left}px`;
    el.style.top = `${pos.top}px`;
  }
  function hideTip() {
    clearTimeout(tipTimer);
    $('tip').hidden = true;
  }
  // The hovered block's help, after 300 ms (at once when a tooltip is already showing); none while dragging.
  function hoverTip(px) {
    const h = blocks.hover;
    if (!h || blocks.down) return hideTip();
    const showIt = () => showTip(helpText(h, blocks.types), state.readonly && keyHints(true), h.block, px);
    clearTimeout(tipTimer);
    if ($('tip').hidden) tipTimer = setTimeout(showIt, 300);
    else showIt();
  }
  // The help for the keyboard cursor's cell: its block's, or where it is and the keys.
  function cursorTip() {
    const c = blocks.cursor, lay = blocks.layout;
    const at = cellAt(lay, c.area, c.x, c.y);
    const rect = cellRect(lay, c.area, c.x, c.y);
    const text = at.block ? helpText(at, blocks.types) : `empty cell (${c.x}, ${c.y}) of ${c.area ? `sub-area ${c.area}` : 'the main area'}`;
    showTip(text, state.readonly && keyHints(!!at.block), at.block || rect, cv.getBoundingClientRect().left + rect.x);
  }
  function setCursor(c, kbd) {
    blocks.cursor = c;
    blocks.cursorIn.set(c.area, c);
    blocks.kbd = kbd;
    redraw();
    if (!kbd) return;
    const rect = cellRect(blocks.layout, c.area, c.x, c.y);
    revealInGrid({ x: rect.x + rect.w / 2, y: rect.y + rect.h / 2 });
    cursorTip();
  }

  cv.addEventListener('mousemove', (e) => {
    if (!blocks.layout) return;
    if (blocks.pan) {
      const sc = cv.parentElement;
      sc.scrollLeft = blocks.pan.left - (e.clientX - blocks.pan.x);
      sc.scrollTop = blocks.pan.top - (e.clientY - blocks.pan.y);
      return;
    }
    const h = pointerHit(e);
    const marksChanged = updateMarks(h);
    const same = blocks.hover && h && h.block === blocks.hover.block && h.row === blocks.hover.row && h.half === blocks.hover.half;
    if (same || (!blocks.hover && !(h && h.block))) {
      if (marksChanged) redraw();
      return;
    }
    blocks.hover = h && h.block ? h : null;
    redraw();
    hoverTip(e.clientX);
  });
  cv.addEventListener('mouseleave', () => {
    blocks.hover = null;
    blocks.pan = null;
    updateMarks(null);
    redraw();
    hideTip();
  });
  cv.addEventListener('contextmenu', (e) => e.preventDefault());
  cv.addEventListener('mousedown', (e) => {
    if (blocks.layout && e.button === 1) { // middle-drag pans
      e.preventDefault();
      const sc = cv.parentElement;
      blocks.pan = { x: e.clientX, y: e.clientY, left: sc.scrollLeft, top: sc.scrollTop };
      return;
    }
    if (!blocks.layout || !state.readonly || (e.button !== 0 && e.button !== 2)) return;
    e.preventDefault();
    blocks.kbd = false;
    cv.focus();
    popups.close();
    hideTip();
    blocks.down = { hit: pointerHit(e), button: e.button };
    if (blocks.down.hit) setCursor({ area: blocks.down.hit.area, x: blocks.down.hit.x, y: blocks.down.hit.y }, false);
    if (updateMarks(blocks.down.hit)) redraw();
  });
  cv.addEventListener('mouseup', (e) => {
    if (e.button === 1) {
      blocks.pan = null;
      return;
    }
    const d = blocks.down;
    blocks.down = null;
    if (updateMarks(pointerHit(e))) redraw();
    if (!d || e.button !== d.button) return;
    const g = gesture(d.hit, pointerHit(e), d.button);
    if (!g) return;
    if (g.kind === 'op') blockOp(g.op);
    else if (g.kind === 'picker') popups.openPicker(e.clientX, e.clientY, g);
    else if (g.kind === 'menu') popups.openMenu(e.clientX, e.clientY, g);
  });
  cv.addEventListener('keydown', (e) => {
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
      const r = cv.getBoundingClientRect(), rect = cellRect(lay, cur.area, cur.x, cur.y);
      const x = r.left + rect.x, y = r.top + rect.y + rect.h + 4; // under the cell
      if (at.block) popups.openMenu(x, y, { area: cur.area, x: at.block.col, y: at.block.row, block: at.block });
      else popups.openPicker(x, y, cur);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      const at = blocks.kbd ? cellAt(lay, cur.area, cur.x, cur.y) : blocks.hover;
      if (!state.readonly || !at || !at.block) return;
      blockOp({ op: 'remove', area: at.area, x: at.block.col, y: at.block.row });
    } else {
      return;
    }
    e.preventDefault();
  });
  cv.addEventListener('focus', () => {
    // Focus from the keyboard (Tab, or back from a popup used with keys) shows the cursor; from the mouse not.
    if (blocks.layout && cv.matches(':focus-visible')) setCursor(clampCursor(blocks.layout, blocks.cursor), true);
  });
  cv.addEventListener('blur', () => {
    redraw();
    if (!blocks.hover) hideTip();
  });
  // Anywhere on the page: Escape closes the popup and the tooltip; Ctrl+Z and Ctrl+Y or Ctrl+Shift+Z
  // undo and redo a block program's operations.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      popups.close();
      hideTip();
    }
    if (!state.readonly || !(e.ctrlKey || e.metaKey)) return;
    const k = e.key.toLowerCase();
    if (k === 'z' || k === 'y') {
      e.preventDefault();
      blockOp({ op: k === 'y' || e.shiftKey ? 'redo' : 'undo' });
    }
  });

  return {
    show,
    showLayout,
    setBad,
    // For the tests (window.__studio): a cell's centre in window pixels, scrolled into view so that
    // a pointer event there reaches the canvas; the laid-out areas and blocks; the keyboard cursor.
    cellCenter: (area, x, y, half = 0) => {
      const c = blocks.layout && cellCenter(blocks.layout, area, x, y, half);
      if (!c) return null;
      revealInGrid(c);
      const r = cv.getBoundingClientRect();
      return { x: r.left + c.x, y: r.top + c.y };
    },
    areas: () => (blocks.layout ? blocks.layout.areas.map((a) => ({ id: a.id, x: a.x, y: a.y, w: a.w, h: a.h, cols: a.cols, rows: a.rows,
      blocks: a.blocks.map((b) => ({ id: b.id, typ: b.typ, lbl: b.lbl, col: b.col, row: b.row, rows: b.rows, x: b.x, y: b.y, w: b.w, h: b.h, color: b.color,
        inputs: b.inputs, outputs: b.outputs })) })) : null),
    cursor: () => (blocks.cursor ? { ...blocks.cursor, shown: cursorShown() } : null),
  };
}
