// Measurements of a stretch of samples: level and frequency (used by the status line and the
// tests). Pure functions.
export function rms(x) {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return x.length ? Math.sqrt(s / x.length) : 0;
}

// Frequency from rising zero crossings (linear interpolation between samples). 0 if fewer than
// two crossings.
export function zeroCrossingHz(x, rate) {
  let first = -1, last = -1, n = 0;
  for (let i = 1; i < x.length; i++) {
    if (x[i - 1] < 0 && x[i] >= 0) {
      const t = i - 1 + -x[i - 1] / (x[i] - x[i - 1]);
      if (first < 0) first = t;
      last = t;
      n++;
    }
  }
  return n >= 2 ? ((n - 1) * rate) / (last - first) : 0;
}

// Min and max of x in `columns` equal slices: the scope's envelope. Returns {min, max} arrays.
export function minMaxColumns(x, columns) {
  const min = new Float32Array(columns), max = new Float32Array(columns);
  for (let c = 0; c < columns; c++) {
    const a = Math.floor((c * x.length) / columns);
    const b = Math.max(a + 1, Math.floor(((c + 1) * x.length) / columns));
    let lo = Infinity, hi = -Infinity;
    for (let i = a; i < b && i < x.length; i++) {
      if (x[i] < lo) lo = x[i];
      if (x[i] > hi) hi = x[i];
    }
    min[c] = lo === Infinity ? 0 : lo;
    max[c] = hi === -Infinity ? 0 : hi;
  }
  return { min, max };
}
