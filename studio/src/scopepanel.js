// The scope panel: frames of the library's capture (binary kind 2), drawn at the display's rate, and
// its controls (time, trigger, threshold, and per trace a tap, offset and gain), each change sent as
// scope.set; scope.meta (this page's change or another's) sets them. The taps: the fixed ones, then the
// program's persistent variables (`vars` of each compile result). Drawing is scope.js.
import { $ } from './dom.js';
import { PARAMS } from './protocol.js';
import { drawScope, sliderToMs, msToSlider } from './scope.js';

const TAPS = ['none', 'sig1', 'sig2', 'ret', ...PARAMS];

function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s` : `${ms >= 10 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

// state: the page's state (scopeMeta and scopeFrames are written); send(message).
export function createScopePanel({ state, send }) {
  const scope = { frame: null, names: ['sig1', 'sig2', 'none'], dirty: true, vars: [] };
  const traceUi = [];
  // Refills a tap menu, keeping its choice (a variable the program no longer has stays listed).
  function fillTaps(sel, i, chosen) {
    const names = [...TAPS, ...scope.vars];
    if (chosen && !names.includes(chosen)) names.push(chosen);
    sel.textContent = '';
    for (const t of names) {
      const o = document.createElement('option');
      o.value = t;
      o.textContent = `${i + 1}: ${t}`;
      sel.appendChild(o);
    }
    sel.value = chosen || 'none';
  }
  for (let i = 0; i < 3; i++) {
    const sel = document.createElement('select');
    sel.id = `scope-tap${i + 1}`;
    fillTaps(sel, i, 'none');
    const off = document.createElement('input');
    Object.assign(off, { type: 'number', step: '0.1', min: '-1', max: '1', value: '0', id: `scope-offset${i + 1}`, title: `offset ${i + 1}` });
    const gain = document.createElement('input');
    Object.assign(gain, { type: 'number', step: '0.1', min: '0', max: '100', value: '1', id: `scope-gain${i + 1}`, title: `gain ${i + 1}` });
    sel.addEventListener('change', () => send({ type: 'scope.set', [`tap${i + 1}`]: sel.value }));
    off.addEventListener('change', () => send({ type: 'scope.set', [`offset${i + 1}`]: Number(off.value) }));
    gain.addEventListener('change', () => send({ type: 'scope.set', [`gain${i + 1}`]: Number(gain.value) }));
    $('scope-traces').append(sel, off, gain);
    traceUi.push({ sel, off, gain });
  }
  $('scope-time').addEventListener('input', () => {
    const ms = sliderToMs(Number($('scope-time').value));
    $('scope-time-out').textContent = fmtMs(ms);
    send({ type: 'scope.set', time_ms: Math.round(ms * 1000) / 1000 });
  });
  $('scope-trigger').addEventListener('change', () => send({ type: 'scope.set', trigger: $('scope-trigger').value }));
  $('scope-threshold').addEventListener('change', () => send({ type: 'scope.set', threshold: Number($('scope-threshold').value) }));
  $('scope-min').addEventListener('click', () => {
    const cv = $('scope');
    const min = !cv.classList.contains('min');
    cv.classList.toggle('min', min);
    cv.height = min ? 100 : 300;
    $('scope-controls').hidden = min;
    $('scope-min').textContent = min ? '+' : '−';
    scope.dirty = true;
  });

  return {
    // The program's persistent variables, from a compile result that succeeded.
    setVars(vars) {
      if (!Array.isArray(vars) || JSON.stringify(vars) === JSON.stringify(scope.vars)) return;
      scope.vars = vars.filter((v) => typeof v === 'string');
      traceUi.forEach((t, i) => fillTaps(t.sel, i, t.sel.value));
    },
    onMeta(m) {
      state.scopeMeta = m;
      scope.names = m.traces.map((t) => t.tap);
      $('scope-time').value = String(msToSlider(m.time_ms));
      $('scope-time-out').textContent = fmtMs(m.time_ms);
      $('scope-trigger').value = m.trigger;
      $('scope-threshold').value = String(m.threshold);
      m.traces.forEach((t, i) => {
        fillTaps(traceUi[i].sel, i, t.tap);
        traceUi[i].off.value = String(t.offset);
        traceUi[i].gain.value = String(t.gain);
      });
      scope.dirty = true;
    },
    // A decoded frame (protocol.js decodeScope); it is drawn at the next draw().
    onFrame(f) {
      scope.frame = f;
      scope.dirty = true;
      state.scopeFrames++;
    },
    // Paints the scope if anything changed since the last call (called once a display frame).
    draw() {
      if (!scope.dirty) return;
      scope.dirty = false;
      const cv = $('scope');
      drawScope(cv.getContext('2d'), cv.width, cv.height, scope.frame, scope.names);
    },
    // For the tests (window.__studio): the last frame, plain.
    snapshot: () => (scope.frame ? { sweep: scope.frame.sweep, trigger: scope.frame.trigger, threshold: scope.frame.threshold,
      timeMs: scope.frame.timeMs, filled: scope.frame.filled,
      traces: scope.frame.traces.map((t) => ({ active: t.active, offset: t.offset, gain: t.gain, points: Array.from(t.points) })) } : null),
  };
}
