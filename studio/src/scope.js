// The scope panel, drawn as the reference's scope widget draws (docs/studio.md, "Scope"): one
// filled min/max envelope per active input, a centre line, a zero line for each input with an
// offset, a threshold line with a marker at the right edge when the trigger is on, and the labels
// "name min: max: rng:" in the trace colours. Pure geometry functions are exported for the tests.
export const COLORS = ['#03b5e7', '#b45745', '#1fb349']; // STD_COLORS[11], [2], [7]
export const HLINE = '#594fa1'; // STD_COLORS[13]
export const BG = '#111920';

// The y of value v in a plot of height h (reference: (1 - ((v*gain + offs)*0.5 + 0.5)) * h).
export function valueY(v, gain, offset, h) {
  return (1 - ((v * gain + offset) * 0.5 + 0.5)) * h;
}

// min, max and range over the points of one input (NaN points skipped); null if none has a number.
export function traceRange(points) {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    const mx = points[i], mn = points[i + 1];
    if (mx === mx && mx > hi) hi = mx;
    if (mn === mn && mn < lo) lo = mn;
  }
  return lo === Infinity ? null : { min: lo, max: hi, rng: hi - lo };
}

export function label(name, r) {
  const f = (v) => v.toFixed(3).padStart(6, ' ');
  return r ? `${name} min: ${f(r.min)} max: ${f(r.max)} rng: ${f(r.rng)}` : `${name} (no signal)`;
}

// Draws a decoded frame (protocol.decodeScope) with the tap names on the canvas context g.
export function drawScope(g, W, H, frame, names) {
  g.fillStyle = BG;
  g.fillRect(0, 0, W, H);
  const text = 14, top = 2 * text, ph = H - 4 * text; // plot inset by two text rows top and bottom
  g.save();
  g.translate(0, top);
  g.strokeStyle = HLINE;
  g.lineWidth = 1.5;
  g.beginPath();
  g.moveTo(0, ph / 2);
  g.lineTo(W, ph / 2);
  g.stroke();
  if (frame) {
    frame.traces.forEach((t, i) => {
      if (!t.active || Math.abs(t.offset) <= 0.001) return;
      g.strokeStyle = COLORS[i];
      g.globalAlpha = 0.5;
      const y = valueY(0, t.gain, t.offset, ph);
      g.beginPath();
      g.moveTo(0, y);
      g.lineTo(W, y);
      g.stroke();
      g.globalAlpha = 1;
    });
    frame.traces.forEach((t, i) => {
      if (!t.active) return;
      const n = t.points.length / 2;
      g.fillStyle = COLORS[i];
      g.globalAlpha = 0.8;
      g.beginPath();
      let started = false;
      for (let k = 0; k < n; k++) {
        const v = t.points[2 * k];
        if (v !== v) continue;
        const x = (k * W) / n, y = valueY(v, t.gain, t.offset, ph) - 1;
        if (!started) { g.moveTo(x, y); started = true; } else g.lineTo(x, y);
      }
      for (let k = n - 1; k >= 0; k--) {
        const v = t.points[2 * k + 1];
        if (v !== v) continue;
        g.lineTo((k * W) / n, valueY(v, t.gain, t.offset, ph) + 1);
      }
      g.closePath();
      g.fill();
      g.globalAlpha = 1;
    });
    // The threshold goes on top of the traces, so its marker stays visible.
    if (frame.trigger !== 'off') {
      const t0 = frame.traces[0];
      const y = valueY(frame.threshold, t0.gain, t0.offset, ph);
      g.strokeStyle = '#8b83c9';
      g.lineWidth = 1;
      g.beginPath();
      g.moveTo(0, y);
      g.lineTo(W, y);
      g.stroke();
      g.fillStyle = '#8b83c9';
      g.fillRect(W - 15, y - 4.5, 15, 9);
    }
  }
  g.restore();
  if (frame) {
    g.font = '12px monospace';
    frame.traces.forEach((t, i) => {
      if (!t.active) return;
      g.fillStyle = COLORS[i];
      const y = i < 2 ? 12 + i * text : H - 4;
      g.fillText(label(names[i] || `in${i + 1}`, traceRange(t.points)), 4, y);
    });
  }
}

// Time slider position (0..1000) <-> milliseconds, logarithmic over 0.1 ms .. 300 s.
export const sliderToMs = (p) => 0.1 * Math.pow(3e6, p / 1000);
export const msToSlider = (ms) => Math.round((1000 * Math.log(ms / 0.1)) / Math.log(3e6));
