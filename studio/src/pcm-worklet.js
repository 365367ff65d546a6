// The audio worklet: plays the PCM the server streams. The browser's audio clock pulls frames, and
// the frames it consumed go back to the server as credit, so the server renders exactly as fast as
// this clock plays: no drift between two clocks is possible (docs/studio.md, "Audio").
import { Player } from './ring.js';

class PcmPlayer extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions || {};
    this.player = new Player({ capacity: o.capacity || 16384, target: o.target || 2400 });
    this.reportEvery = o.reportEvery || 256;
    this.statsEvery = Math.round(sampleRate / 10);
    this.sinceStats = 0;
    this.port.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'pcm') this.player.ring.push(m.samples);
      else if (m.type === 'reset') this.player.reset();
    };
  }

  process(inputs, outputs) {
    const out = outputs[0];
    const frames = out[0].length;
    this.player.render(out, frames);
    // Credit goes back in batches; when not playing (priming after an underrun) at once, or the
    // frames held back would keep the ring from ever reaching its target again.
    const p = this.player;
    if (p.consumed >= this.reportEvery || (p.consumed > 0 && !p.primed)) this.port.postMessage({ type: 'consumed', frames: p.takeCredit() });
    this.sinceStats += frames;
    if (this.sinceStats >= this.statsEvery) {
      this.sinceStats = 0;
      this.port.postMessage({
        type: 'stats', played: p.played, underruns: p.underruns, fill: p.ring.fill, minFill: p.minFill,
        maxFill: p.maxFill, dropped: p.ring.dropped, primed: p.primed, everPrimed: p.everPrimed,
      });
    }
    return true;
  }
}

registerProcessor('pcm-player', PcmPlayer);
