// The parameter sliders: one per parameter (PARAMS), in1 and in2 from -1 to 1, the others from 0 to 1;
// moving one sends param.set with a 20 ms ramp.
import { PARAMS, msg } from './protocol.js';

// parent: the sliders' element; state: the page's state (params: the values set by others);
// send(message).
export function createParams({ parent, state, send }) {
  const sliders = {};
  for (const id of PARAMS) {
    const label = document.createElement('label');
    const name = document.createElement('span');
    name.textContent = id;
    const input = document.createElement('input');
    input.type = 'range';
    input.min = id.startsWith('in') ? '-1' : '0';
    input.max = '1';
    input.step = '0.001';
    input.value = '0';
    input.id = `param-${id}`;
    const out = document.createElement('output');
    out.textContent = '0.000';
    input.addEventListener('input', () => {
      out.textContent = Number(input.value).toFixed(3);
      send(msg.paramSet(id, Number(input.value), 20));
    });
    label.append(name, input, out);
    parent.appendChild(label);
    sliders[id] = { input, out };
  }
  const show = (id, value) => {
    sliders[id].input.value = String(value);
    sliders[id].out.textContent = Number(value).toFixed(3);
  };
  return {
    // hello's values ([{id, value}]).
    hello(params) {
      for (const p of params || []) if (sliders[p.id]) show(p.id, p.value);
    },
    // param: set by another page, or by a MIDI controller on the studio's JACK client; a slider this
    // page is moving keeps its own value.
    onParam(m) {
      state.params[m.id] = m.value;
      if (sliders[m.id] && typeof m.value === 'number' && document.activeElement !== sliders[m.id].input) show(m.id, m.value);
    },
  };
}
