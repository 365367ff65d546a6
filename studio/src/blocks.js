// The block editor's pure part: a block program drawn on a Canvas 2D grid as the reference (HexoTK's
// blockcode widget) draws it (docs/studio.md, "Block editor"). layout() turns the program's snapshot
// (the VERSION 1 JSON) into pixel rectangles; draw() paints them; hit() finds what is under the
// pointer; gesture() says what a press and release mean; the keyboard cursor and the tooltip's
// placement are here too. All pure but draw().
export const BH = 30; // block_size: a cell's height
export const BW = 75; // block_w_factor 2.5 times that
export const STD_COLORS = ['#922f93', '#862b37', '#b45745', '#835933', '#a69b64', '#bec8a6', '#346c38', '#1fb349',
  '#4cdb80', '#59bca3', '#228f9d', '#03b5e7', '#3b5eca', '#594fa1', '#c2b2eb', '#ac70fa', '#9850a9', '#dc4fc1', '#03fdcb'];
export const COLORS = {
  bg: '#111920', blockBg: '#192129', hoverBg: '#922f93', hoverBorder: '#ecf9ce', label: '#d73988', grid: '#1e333d', bad: '#ff3355',
  cursor: '#03fdcb', // the keyboard cursor (STD_COLORS[18]: no block type has it)
};
// Free columns and rows every area shows beyond what it holds (right of it and below it, where an area
// grows): a block placed there makes the server grow the area.
export const MARGIN = 1;
const PAD = 0.15 * BW; // inner margin of a sub-area (its size adds 0.3 * BW)
const GAP = 8; // between a block's then and else areas

const subAreas = (b) => (b.contains || []).filter((s) => s !== null && s !== undefined);
const subW = (cols) => cols * BW + 0.3 * BW;
const subH = (rows) => rows * BH + 0.3 * BW;

// Areas placed in pixels: [{id, x, y, w, h (px), x0, y0 (the first cell), cols, rows, color (frame),
// root, ox, oy (pixel of cell 0,0), blocks: [{...block, x, y, w, h, col, row, area}]}], the root first,
// then sub-areas in drawing order (parents before children). An area shows the cells its blocks and
// the sub-areas hanging in it cover, plus MARGIN; the root at least its declared size (16 x 16 in the
// reference) and `minCols` x `minRows`.
export function layout(snap, { minCols = 8, minRows = 4 } = {}) {
  if (!snap || !Array.isArray(snap.areas) || !snap.areas.length) return { areas: [], width: 0, height: 0 };
  const sizes = new Map();
  const measure = (id, depth) => {
    const a = snap.areas[id];
    if (!a || depth > 32) return null;
    if (sizes.has(id)) return sizes.get(id);
    let minX = 0, minY = 0, maxX = 0, maxY = 0;
    for (const p of a.blocks) {
      minX = Math.min(minX, p.x);
      minY = Math.min(minY, p.y);
      maxX = Math.max(maxX, p.x + 1);
      maxY = Math.max(maxY, p.y + p.block.rows);
      let y = (p.y + p.block.rows) * BH - 1; // the sub-areas as layout() hangs them, in this area's pixels
      for (const sid of subAreas(p.block)) {
        const s = measure(sid, depth + 1);
        if (!s) continue;
        maxX = Math.max(maxX, Math.ceil((p.x * BW + 4 + subW(s.cols)) / BW));
        maxY = Math.max(maxY, Math.ceil((y + subH(s.rows)) / BH));
        y += subH(s.rows) + GAP;
      }
    }
    const size = Array.isArray(a.size) ? a.size : [0, 0];
    const s = id === 0
      ? { x0: minX, y0: minY, cols: Math.max(minCols, size[0] - minX, maxX - minX + MARGIN), rows: Math.max(minRows, size[1] - minY, maxY - minY + MARGIN) }
      : { x0: 0, y0: 0, cols: maxX + MARGIN, rows: maxY + MARGIN };
    sizes.set(id, s);
    return s;
  };
  const out = [];
  const placeArea = (id, x0, y0, color, depth) => {
    const a = snap.areas[id];
    const s = measure(id, depth);
    if (!s) return;
    const root = id === 0;
    const ox = root ? x0 - s.x0 * BW : x0 + PAD, oy = root ? y0 - s.y0 * BH : y0 + PAD;
    const area = {
      id, x: x0, y: y0, w: root ? s.cols * BW : subW(s.cols), h: root ? s.rows * BH : subH(s.rows), ...s, color, root, ox, oy, blocks: [],
    };
    out.push(area);
    for (const p of a.blocks) {
      const b = p.block;
      area.blocks.push({ ...b, col: p.x, row: p.y, area: id, x: ox + p.x * BW, y: oy + p.y * BH, w: BW, h: b.rows * BH });
    }
    // Sub-areas hang below their block: x = block.x + 4, y = block bottom - 1; the second under the first.
    for (const b of area.blocks) {
      let y = b.y + b.h - 1;
      for (const sid of subAreas(b)) {
        const before = out.length;
        placeArea(sid, b.x + 4, y, STD_COLORS[b.color] || STD_COLORS[0], depth + 1);
        if (out.length > before) y = out[before].y + out[before].h + GAP;
      }
    }
  };
  placeArea(0, 0, 0, null, 0);
  let width = 0, height = 0;
  for (const a of out) {
    width = Math.max(width, a.x + a.w);
    height = Math.max(height, a.y + a.h);
  }
  return { areas: out, width: Math.ceil(width) + 8, height: Math.ceil(height) + 8 };
}

const areaOf = (lay, id) => lay.areas.find((r) => r.id === id);

// What cell (x, y) of an area holds: {block, area, x, y, row (inside the block)} or {block: null, ...}.
export function cellAt(lay, area, x, y) {
  const a = areaOf(lay, area);
  if (!a) return null;
  const b = a.blocks.find((k) => k.col === x && y >= k.row && y < k.row + k.rows);
  return b ? { block: b, area, x, y, row: y - b.row } : { block: null, area, x, y };
}

// What is under (mx, my): a block first (blocks are drawn over every area, as a sub-area's margin may
// reach over its parent's blocks), the deepest first, as {block, area, x, y (the grid cell), row
// (inside the block), half (0 input side, 1 output side)}; else the empty cell {block: null, area, x,
// y, half} of the deepest area there, its margin included; null on a sub-area's frame.
export function hit(lay, mx, my) {
  for (let i = lay.areas.length - 1; i >= 0; i--) {
    for (const b of lay.areas[i].blocks) {
      if (mx >= b.x && mx < b.x + b.w && my >= b.y && my < b.y + b.h) {
        const row = Math.floor((my - b.y) / BH);
        return { block: b, area: b.area, x: b.col, y: b.row + row, row, half: mx - b.x >= BW / 2 ? 1 : 0 };
      }
    }
  }
  for (let i = lay.areas.length - 1; i >= 0; i--) {
    const a = lay.areas[i];
    if (!a.root && (mx < a.x || my < a.y || mx >= a.x + a.w || my >= a.y + a.h)) continue;
    const x = Math.floor((mx - a.ox) / BW), y = Math.floor((my - a.oy) / BH);
    if (!a.root && (x < 0 || y < 0 || x >= a.cols || y >= a.rows)) return null; // the frame
    return { block: null, area: a.id, x, y, half: (mx - a.ox) - x * BW >= BW / 2 ? 1 : 0 };
  }
  return null;
}

// The pixel centre of a cell (tests and keyboard use), or null for an unknown area.
export function cellCenter(lay, area, x, y, half = 0) {
  const a = areaOf(lay, area);
  if (!a) return null;
  return { x: a.ox + x * BW + (half ? 0.75 : 0.25) * BW, y: a.oy + y * BH + BH / 2 };
}

// The keyboard cursor is a cell {area, x, y} among the cells an area shows (its margin included).
// clampCursor() keeps it there (after a new layout, say); without x and y it goes to the area's first
// cell, and an unknown area sends it to the root's. moveCursor() steps it by (dx, dy) and stops at the
// area's edges.
export function clampCursor(lay, cur) {
  const known = cur && areaOf(lay, cur.area);
  const a = known || lay.areas[0];
  if (!a) return null;
  const clamp = (v, lo, n) => (Number.isFinite(v) ? Math.max(lo, Math.min(lo + n - 1, v)) : lo);
  return { area: a.id, x: clamp(known && cur.x, a.x0, a.cols), y: clamp(known && cur.y, a.y0, a.rows) };
}
export function moveCursor(lay, cur, dx, dy) {
  return clampCursor(lay, cur && { area: cur.area, x: cur.x + dx, y: cur.y + dy });
}
// The area after (dir 1) or before (dir -1) the cursor's, in drawing order (the root, then each
// block's then and else areas below it), or null past the last or before the first.
export function nextArea(lay, cur, dir) {
  const i = lay.areas.findIndex((a) => a.id === (cur && cur.area));
  const n = lay.areas[i + dir];
  return i >= 0 && n ? n.id : null;
}
// The reference's gestures (HexoSynth): what a press at `down` and a release at `up` with `button`
// (0 left, 2 right) mean. A click is a release on the same cell, row and half.
//   click empty cell: the type picker; left-click block: its menu (split ->, split, delete);
//   right-click block: shift that row's input (left half) or output (right half) port;
//   left-drag block to empty: move its chain; right-drag: move the block alone;
//   drag empty to block: clone that block into the empty cell; left-drag empty to empty: place "->".
export function gesture(down, up, button) {
  if (!down || !up) return null;
  const same = down.area === up.area && down.x === up.x && down.y === up.y && down.half === up.half;
  if (same) {
    if (!down.block) return { kind: 'picker', area: down.area, x: down.x, y: down.y };
    if (button === 2) {
      return { kind: 'op', op: { op: 'shift_port', area: down.area, x: down.block.col, y: down.block.row, row: down.row, output: down.half === 1 } };
    }
    return { kind: 'menu', area: down.area, x: down.block.col, y: down.block.row, block: down.block };
  }
  if (down.block && !up.block) {
    return { kind: 'op', op: { op: button === 2 ? 'move_block' : 'move_chain', area: down.area, x: down.x, y: down.y, to_area: up.area, to_x: up.x, to_y: up.y } };
  }
  if (!down.block && up.block) {
    return { kind: 'op', op: { op: 'clone_block', area: up.area, x: up.x, y: up.y, to_area: down.area, to_x: down.x, to_y: down.y } };
  }
  if (!down.block && !up.block && button === 0) {
    return { kind: 'op', op: { op: 'instantiate', area: up.area, x: up.x, y: up.y, typ: '->' } };
  }
  return null;
}

// Picker entries: "(cate) name" sorted by category/name, as the reference's picker; `filter` keeps
// the ones whose label contains it, the exact name first, then names that start with it (so typing
// "sin" and Enter takes sin, not fsin).
export function pickerEntries(types, filter = '') {
  const f = filter.trim().toLowerCase();
  const rank = (t) => (!f ? 0 : t.name.toLowerCase() === f ? 0 : t.name.toLowerCase().startsWith(f) ? 1 : 2);
  return (types || [])
    .map((t) => ({ ...t, label: `(${t.category.slice(0, 4)}) ${t.name}` }))
    .filter((t) => !f || t.label.toLowerCase().includes(f))
    .sort((a, b) => {
      const ra = rank(a), rb = rank(b);
      if (ra !== rb) return ra - rb;
      const ka = `${a.category}/${a.name}`, kb = `${b.category}/${b.name}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}

// The help for a block or a cell (h as hit() or cellAt() give it): "name (category): description",
// plus the port under the pointer (h.half), or both ports of the row for the keyboard cursor.
export function helpText(h, types) {
  if (!h || !h.block) return '';
  const b = h.block;
  const t = (types || []).find((x) => x.name === b.typ);
  let s = t ? `${b.typ} (${t.category}): ${t.description}` : b.typ;
  for (const half of h.half === undefined ? [0, 1] : [h.half]) {
    const port = ((half ? b.outputs : b.inputs) || [])[h.row];
    if (port !== undefined && port !== null) s += ` · ${half ? 'output' : 'input'} ${port === '' ? '(unnamed)' : `'${port}'`}`;
  }
  return s;
}

// The keys and clicks that work on a block or an empty cell (the tooltip's second line).
export function keyHints(onBlock) {
  return onBlock
    ? 'click or Enter: menu · Delete: remove · drag: move the chain (right button: the block) · right-click a port: shift it'
    : 'click or Enter: place a block · arrows: move · Tab, Shift+Tab: next, previous area · Esc: close';
}

// Where a tooltip of size {w, h} goes for the pointer at x `px` over `anchor` (the hovered block or
// cell {x, y, w, h}), all in window pixels, in a window of {w, h}: below the anchor, starting just
// right of the pointer, or above the anchor when there is no room below; always inside the window,
// and over the anchor only when the window has room neither below nor above it.
export function tipPosition(anchor, tip, win, px, gap = 6) {
  const left = Math.max(0, Math.min(px + 12, win.w - tip.w));
  const below = anchor.y + anchor.h + gap, above = anchor.y - gap - tip.h;
  let top;
  if (below + tip.h <= win.h) top = below;
  else if (above >= 0) top = above;
  else top = win.h - below > anchor.y ? below : 0;
  return { left, top: Math.max(0, Math.min(top, win.h - tip.h)) };
}

// The outline of `rows` cells from cell (x, y) of an area, in pixels (the empty-cell hover, the drag
// preview and the keyboard cursor), or null.
export function cellRect(lay, area, x, y, rows = 1) {
  const a = areaOf(lay, area);
  return a ? { x: a.ox + x * BW, y: a.oy + y * BH, w: BW, h: rows * BH } : null;
}

function drawBlock(g, b, hover, bad) {
  const hovered = hover && hover.block === b;
  const color = STD_COLORS[b.color] || STD_COLORS[0];
  g.fillStyle = hovered ? COLORS.hoverBg : COLORS.blockBg;
  g.fillRect(b.x, b.y, b.w, b.h);
  g.strokeStyle = hovered ? COLORS.hoverBorder : b.id === bad ? COLORS.bad : color;
  g.lineWidth = 2;
  g.strokeRect(b.x + 1, b.y + 1, b.w - 2, b.h - 2);
  g.fillStyle = hovered ? COLORS.hoverBg : COLORS.blockBg; // ports: notches cut into the border
  for (let r = 0; r < b.rows; r++) {
    const ny = b.y + r * BH + 0.2 * BH;
    if (b.inputs && b.inputs[r] !== null && b.inputs[r] !== undefined) g.fillRect(b.x, ny, 3, 0.6 * BH);
    if (b.outputs && b.outputs[r] !== null && b.outputs[r] !== undefined) g.fillRect(b.x + b.w - 3, ny, 3, 0.6 * BH);
  }
  g.fillStyle = COLORS.label;
  g.font = `${0.5 * BH}px monospace`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillText(b.lbl, b.x + b.w / 2, b.y + BH / 2, b.w - 8);
  g.font = `${0.4 * BH}px monospace`;
  for (let r = 0; r < b.rows; r++) {
    const cy = b.y + r * BH + BH / 2;
    const i = b.inputs && b.inputs[r], o = b.outputs && b.outputs[r];
    if (i) { g.textAlign = 'left'; g.fillText(i, b.x + 5, cy + (r === 0 ? 9 : 0)); }
    if (o) { g.textAlign = 'right'; g.fillText(o, b.x + b.w - 5, cy + (r === 0 ? 9 : 0)); }
  }
  if (hovered && hover.row !== undefined) {
    g.strokeStyle = COLORS.label;
    g.lineWidth = 4;
    g.strokeRect(b.x + hover.half * BW / 2 + 0.1 * BW / 2, b.y + hover.row * BH + 2, 0.8 * BW / 2, BH - 4);
  }
}

// bad: the id of a block the last compile failed on (drawn with a red border), or 0.
// marks: {cell: rect} outlines an empty cell or the drag preview, {press: rect} the grabbed block,
// {cursor: rect} the keyboard cursor. Every area's frame and background are drawn before any block,
// so a sub-area's margin never hides a block of its parent.
export function draw(g, lay, hover, bad = 0, marks = {}) {
  g.fillStyle = COLORS.bg;
  g.fillRect(0, 0, lay.width, lay.height);
  for (const a of lay.areas) {
    if (a.root) continue;
    g.fillStyle = a.color; // a 4 px frame in the parent block's colour
    g.fillRect(a.x, a.y, a.w, a.h);
    g.fillStyle = COLORS.bg;
    g.fillRect(a.x + 4, a.y + 4, a.w - 8, a.h - 8);
  }
  for (const a of lay.areas) {
    if (!a.root) {
      g.fillStyle = COLORS.blockBg; // the tab joining the block to its area
      g.fillRect(a.x, a.y - 4, 0.5 * BW, 8);
    }
    for (const b of a.blocks) drawBlock(g, b, hover, bad);
  }
  const outline = (r, color, width, inset = 0) => {
    if (!r) return;
    g.strokeStyle = color;
    g.lineWidth = width;
    const d = inset + width / 2;
    g.strokeRect(r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d);
  };
  outline(marks.press, COLORS.label, 1);
  outline(marks.cell, COLORS.hoverBorder, 1);
  outline(marks.cursor, COLORS.cursor, 3, 3); // inside the cell: a block's border stays visible
  g.lineWidth = 1;
  g.textAlign = 'left';
  g.textBaseline = 'alphabetic';
}
