// A ring buffer of interleaved stereo frames for the audio worklet (no allocation after
// construction). The browser's audio clock pulls frames out; the WebSocket pushes them in. It plays
// only once `target` frames are buffered ("primed"), and after an underrun it waits for the target
// again, so a hiccup costs one gap instead of a stutter.
export class FrameRing {
  constructor(capacity, channels = 2) {
    this.capacity = capacity;
    this.channels = channels;
    this.data = new Float32Array(capacity * channels);
    this.read = 0; // frame index of the next frame to play
    this.fill = 0; // frames stored
    this.dropped = 0; // frames refused because the ring was full
  }

  // Appends interleaved frames; returns how many were stored (the rest are dropped).
  push(interleaved) {
    const ch = this.channels;
    const frames = Math.floor(interleaved.length / ch);
    const room = this.capacity - this.fill;
    const n = Math.min(frames, room);
    let w = (this.read + this.fill) % this.capacity;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < ch; c++) this.data[w * ch + c] = interleaved[i * ch + c];
      w = w + 1 === this.capacity ? 0 : w + 1;
    }
    this.fill += n;
    this.dropped += frames - n;
    return n;
  }

  // Writes up to `frames` frames into the planar outputs (arrays of Float32Array, one per channel)
  // from offset 0; returns the number of frames written. The rest is left as it was.
  pull(outputs, frames) {
    const ch = this.channels;
    const n = Math.min(frames, this.fill);
    let r = this.read;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < ch && c < outputs.length; c++) outputs[c][i] = this.data[r * ch + c];
      r = r + 1 === this.capacity ? 0 : r + 1;
    }
    this.read = r;
    this.fill -= n;
    return n;
  }

  clear() {
    this.read = 0;
    this.fill = 0;
  }
}

// The player's policy over a FrameRing: priming, underrun counting, credit (frames consumed since
// the last report). One render quantum at a time.
// After an underrun the target grows by half its first value, up to maxTarget (an adaptive jitter
// buffer: a machine that cannot keep 50 ms gets more); `growth` is what the server must be asked for
// on top of the credit already given.
export class Player {
  constructor({ capacity, target, channels = 2, maxTarget = 0 }) {
    this.ring = new FrameRing(capacity, channels);
    this.target = target;
    this.initialTarget = target;
    this.step = Math.round(target / 2);
    this.maxTarget = Math.min(maxTarget || target, capacity);
    this.growth = 0;
    this.primed = false;
    this.everPrimed = false;
    this.underruns = 0;
    this.played = 0;
    this.consumed = 0; // not yet reported as credit
    this.minFill = Infinity;
    this.maxFill = 0;
  }

  // Fills the planar outputs with `frames` frames (silence when not primed).
  render(outputs, frames) {
    for (const o of outputs) o.fill(0, 0, frames);
    if (!this.primed) {
      if (this.ring.fill < this.target) return 0;
      this.primed = true;
      this.everPrimed = true;
    }
    const n = this.ring.pull(outputs, frames);
    this.played += n;
    this.consumed += n;
    if (n < frames) {
      this.underruns++;
      this.primed = false;
      const g = Math.min(this.step, this.maxTarget - this.target);
      if (g > 0) {
        this.target += g;
        this.growth += g;
      }
    }
    this.minFill = Math.min(this.minFill, this.ring.fill);
    this.maxFill = Math.max(this.maxFill, this.ring.fill);
    return n;
  }

  // Frames consumed since the last call plus any growth of the target: the credit to give back to
  // the server.
  takeCredit() {
    const c = this.consumed + this.growth;
    this.consumed = 0;
    this.growth = 0;
    return c;
  }

  // A new stream (after audio.start): empty, and back to the first target, which is what the page
  // credits at the start.
  reset() {
    this.ring.clear();
    this.primed = false;
    this.consumed = 0;
    this.growth = 0;
    this.target = this.initialTarget;
  }
}
