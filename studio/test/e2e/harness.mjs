// End-to-end harness: starts the real `sigjit studio` and Debian's Chromium (through
// playwright-core; `npx playwright install` cannot download browsers here).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const SIGJIT = resolve(process.env.SIGJIT || 'build/sigjit');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const TOKEN = 'e2etoken0123456789abcdef';

// Starts the server (with more options in `args` and more environment in `env`); resolves when it
// printed its URL.
export function startServer({ file, port = 0, token = TOKEN, args = [], env = {} }) {
  if (!existsSync(SIGJIT)) throw new Error(`no sigjit command at ${SIGJIT}`);
  const proc = spawn(SIGJIT, ['studio', file, '--port', String(port), '--token', token, '--no-browser', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`server did not start: ${err}`)), 5000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\/\?t=(\S+)/);
      if (m) {
        clearTimeout(timer);
        const p = Number(m[1]);
        res({
          proc, port: p, url: m[0], origin: `http://127.0.0.1:${p}`,
          stderr: () => err,
          stop: () => new Promise((r) => {
            if (proc.exitCode !== null) return r(proc.exitCode);
            proc.once('exit', (code) => r(code));
            proc.kill('SIGTERM');
          }),
        });
      }
    });
    proc.once('exit', (code) => { clearTimeout(timer); rej(new Error(`server exited (${code}): ${err}`)); });
  });
}

export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--disable-background-networking',
      '--disable-component-update', '--disable-default-apps', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
      '--disable-quic', '--mute-audio'],
  });
}

// A raw HTTP request (Node's http, so Host and Origin can be anything). Resolves to the status
// code; a WebSocket upgrade that succeeds gives 101.
export function rawRequest(port, path, headers = {}) {
  return new Promise((res) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, ...headers } });
    req.on('upgrade', (r, sock) => { sock.destroy(); res(r.statusCode); });
    req.on('response', (r) => { r.resume(); res(r.statusCode); });
    req.on('error', (e) => res(e.message));
    req.end();
  });
}

export const wsHeaders = (origin) => ({
  Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...(origin ? { Origin: origin } : {}),
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A page of the studio on a copy of an example (or on `text`) in a temporary folder, the server
// started with `args` and `env` (startServer). Console errors of the page are collected in
// consoleErrors (tests end by asserting it is empty); close() stops everything.
export async function openStudio({ example, text, name, viewport, args, env }) {
  const dir = mkdtempSync(join(tmpdir(), 'sjstudio-'));
  const file = join(dir, name);
  if (text !== undefined) writeFileSync(file, text);
  else copyFileSync(new URL(`../../../examples/${example}`, import.meta.url), file);
  const server = await startServer({ file, args, env });
  const browser = await launch();
  const page = await browser.newPage({ viewport });
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.goto(server.url);
  await page.waitForFunction(() => window.__studio && window.__studio.state().connected, null, { timeout: 5000 });
  return {
    dir, file, server, browser, page, consoleErrors,
    close: async () => {
      await browser.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
