// The audio worklet: plays the PCM the server streams. The browser's audio clock pulls frames, and
// the frames it consumed go back to the server as credit, so the server renders exactly as fast as
// this clock plays: no drift between two clocks is possible (docs/studio.md, "Audio").
import { Player } from './ring.js';

class PcmPlayer extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions || {};
    this.player = new Player({ capacity: o.capacity || 16384, target: o.target || 2400, maxTarget: o.maxTarget || 0 });
    this.reportEvery = o.reportEvery || 256;
    this.statsEvery = Math.round(sampleRate / 10);
    this.sinceStats = 0;
    // Messages come on this node's port, or on a port handed over through it (the audio worker's).
    this.out = this.port;
    const onMessage = (e) => {
      const m = e.data;
      if (m.type === 'pcm') this.player.ring.push(m.samples);
      else if (m.type === 'reset') this.player.reset();
      else if (m.type === 'port') {
        this.out = m.port;
        this.out.onmessage = onMessage;
      }
    };
    this.port.onmessage = onMessage;
  }

  process(inputs, outputs) {
    const out = outputs[0];
    const frames = out[0].length;
    this.player.render(out, frames);
    // Credit goes back in batches; when not playing (priming after an underrun) at once, or the
    // frames held back would keep the ring from ever reaching its target again.
    const p = this.player;
    if (p.consumed >= this.reportEvery || ((p.consumed > 0 || p.growth > 0) && !p.primed)) this.out.postMessage({ type: 'consumed', frames: p.takeCredit() });
    this.sinceStats += frames;
    if (this.sinceStats >= this.statsEvery) {
      this.sinceStats = 0;
      this.out.postMessage({
        type: 'stats', target: p.target, played: p.played, underruns: p.underruns, fill: p.ring.fill, minFill: p.minFill,
        maxFill: p.maxFill, dropped: p.ring.dropped, primed: p.primed, everPrimed: p.everPrimed,
      });
    }
    return true;
  }
}

registerProcessor('pcm-player', PcmPlayer);
