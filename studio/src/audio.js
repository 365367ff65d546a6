// The sound, through one of two outputs picked by the selector next to Play (JACK by default when the
// server offers it); changing it while the sound plays moves the sound to the other output.
// - The browser: the stream runs in a dedicated Worker with its own WebSocket (audio-worker.js),
//   talking to the worklet (pcm-worklet.js) directly over a MessagePort; the page only starts and
//   stops it and shows its stats.
// - JACK (sigjit studio --jack): the server plays through JACK; the page starts and stops it and shows
//   its state (audio.started, audio.stopped and jack.status with "mode":"jack", and hello).
import { $ } from './dom.js';
import { msg } from './protocol.js';
import { rms, zeroCrossingHz } from './analysis.js';

const TARGET_MS = 50; // the worklet's buffer target

// state: the page's state (connected is read; audio, jack and errors are written); send(message);
// url: the server's WebSocket URL for the worker's own connection; setHelp(text, isError): the footer.
export function createAudio({ state, send, url, setHelp }) {
  const audio = { ctx: null, node: null, analyser: null, worker: null, stats: null, target: 0, slack: 0, wanted: false };
  const jack = { offered: false, playing: false, chosen: false, thenBrowser: false };
  const output = () => (jack.offered ? $('output').value : 'browser');

  async function startBrowser() {
    audio.wanted = true;
    updatePlay();
    if (!audio.ctx) {
      const ctx = new AudioContext({ latencyHint: 'interactive' });
      await ctx.audioWorklet.addModule('pcm-worklet.js');
      audio.target = Math.round((ctx.sampleRate * TARGET_MS) / 1000);
      // Frames in flight (credited, not yet arrived) are on top of the target, so a late reply from
      // the server eats into this slack before it eats into the buffer.
      audio.slack = Math.max(1024, Math.round(audio.target / 2));
      const node = new AudioWorkletNode(ctx, 'pcm-player', {
        numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2],
        processorOptions: { capacity: 16384, target: audio.target, maxTarget: 4 * audio.target, reportEvery: 256 },
      });
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 32768;
      node.connect(analyser);
      analyser.connect(ctx.destination);
      const channel = new MessageChannel();
      node.port.postMessage({ type: 'port', port: channel.port1 }, [channel.port1]);
      const worker = new Worker('audio-worker.js', { type: 'module' });
      worker.onmessage = (e) => {
        const m = e.data;
        if (m.type === 'stats') audio.stats = m;
        else if (m.type === 'state' && m.reason === 'jack') stopBrowser(); // the JACK output took the sound
        else if (m.type === 'state') state.audio = m.audio;
        else if (m.type === 'error') state.errors.push(m.error);
      };
      Object.assign(audio, { ctx, node, analyser, worker });
      startWorker({ port: channel.port2 }, [channel.port2]); // the worker's end of the worklet's port
    } else {
      startWorker();
    }
    state.audio = 'starting';
    await audio.ctx.resume();
  }
  // (Re)starts the worker's stream at once.
  function startWorker(extra = {}, transfer = []) {
    audio.worker.postMessage({
      type: 'start', url, rate: audio.ctx.sampleRate, targetMs: TARGET_MS, target: audio.target, slack: audio.slack, ...extra,
    }, transfer);
  }

  async function stopBrowser() {
    audio.wanted = false;
    if (audio.worker) audio.worker.postMessage({ type: 'stop' });
    state.audio = 'off';
    if (audio.ctx) await audio.ctx.suspend();
    updatePlay();
  }

  function updatePlay() {
    const b = $('play');
    b.disabled = !state.connected;
    b.textContent = (output() === 'jack' ? jack.playing : audio.wanted) ? '■ Stop' : '▶ Play';
  }
  $('play').addEventListener('click', () => {
    if (output() === 'jack') send(jack.playing ? msg.jackStop() : msg.jackStart());
    else if (audio.wanted) stopBrowser();
    else startBrowser();
  });

  // The JACK output's state (null: none), from audio.started, audio.stopped and jack.status with
  // "mode":"jack", or hello.
  function onJack(m) {
    state.jack = m || null;
    jack.playing = !!(m && m.playing);
    if (jack.playing) $('output').value = 'jack'; // whichever page started it
    if (jack.playing && audio.wanted) stopBrowser();
    if (m && m.type === 'audio.stopped' && m.reason === 'server_gone') setHelp(`JACK: ${m.error}`, true);
    if (m && m.type === 'audio.stopped' && jack.thenBrowser) {
      jack.thenBrowser = false;
      startBrowser();
    }
    updatePlay();
  }
  $('output').addEventListener('change', () => {
    jack.chosen = true;
    if (output() === 'jack' && audio.wanted) {
      stopBrowser();
      send(msg.jackStart());
    } else if (output() === 'browser' && jack.playing) {
      jack.thenBrowser = true; // once JACK has let go of the sound (audio.stopped)
      send(msg.jackStop());
    }
    updatePlay();
  });

  return {
    updatePlay,
    onJack,
    // hello: the outputs the server offers (audio_modes) and the JACK output's state.
    hello(modes, st) {
      jack.offered = Array.isArray(modes) && modes.includes('jack');
      $('output').hidden = !jack.offered;
      if (jack.offered && !jack.chosen) $('output').value = 'jack';
      onJack(st);
    },
    // Back after a disconnection: restart the browser stream now rather than after its own back-off.
    reconnected() {
      if (audio.wanted && audio.worker && state.audio !== 'on' && state.audio !== 'starting') startBrowser();
    },
    // The status line's part about the sound.
    status() {
      const st = audio.stats, j = jack.playing && state.jack;
      if (j) return ` · JACK ${j.client} ${j.rate} Hz, ${j.period} frames · DSP ${Number(j.dsp_load).toFixed(1)}% · xruns ${j.xruns}`;
      return st ? ` · audio ${state.audio} ${audio.ctx ? audio.ctx.sampleRate : ''} Hz · buffer ${st.fill}/${st.target} · underruns ${st.underruns}` : '';
    },
    // For the tests (window.__studio): the worklet's stats; level and frequency of the left channel
    // over the analyser's window (about 0.68 s at 48 kHz).
    stats: () => (audio.stats ? { ...audio.stats, rate: audio.ctx.sampleRate, ctxState: audio.ctx.state } : null),
    measure: () => {
      if (!audio.analyser) return null;
      const x = new Float32Array(audio.analyser.fftSize);
      audio.analyser.getFloatTimeDomainData(x);
      return { rms: rms(x), hz: zeroCrossingHz(x, audio.ctx.sampleRate), n: x.length };
    },
  };
}
