// End-to-end helpers for the block editor's tests: cells by their grid position (through the page's
// window.__studio hook, so no pixel guessing), clicks and drags on them, and waiting for the server's
// answer to an operation.
export function blockPage(page) {
  const blocksNow = () => page.evaluate(() => window.__studio.blocks());
  const ops = () => page.evaluate(() => window.__studio.state().blocksOps || 0);
  const center = (area, x, y, half = 0) => page.evaluate((a) => window.__studio.cellCenter(...a), [area, x, y, half]);
  const h = {
    blocksNow,
    root: async () => (await blocksNow())[0].blocks,
    at: async (x, y, area = 0) => (await blocksNow()).find((a) => a.id === area).blocks.find((b) => b.col === x && b.row === y),
    center,
    // Runs fn (which sends one operation) and waits until the server's new snapshot arrived.
    op: async (fn) => {
      const n = await ops();
      await fn();
      await page.waitForFunction((k) => (window.__studio.state().blocksOps || 0) > k, n, { timeout: 5000 });
    },
    click: async (area, x, y, half = 0, button = 'left') => {
      const c = await center(area, x, y, half);
      await page.mouse.move(c.x, c.y);
      await page.mouse.down({ button });
      await page.mouse.up({ button });
    },
    drag: async (from, to, button = 'left') => {
      const a = await center(...from), b = await center(...to);
      await page.mouse.move(a.x, a.y);
      await page.mouse.down({ button });
      await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2);
      await page.mouse.move(b.x, b.y);
      await page.mouse.up({ button });
    },
    // The blocks of an area as sorted "typ@x,y".
    names: async (area) => (await blocksNow()).find((a) => a.id === area).blocks.map((b) => `${b.typ}@${b.col},${b.row}`).sort(),
    // Picks a type in the open picker by typing its name (Enter takes the first); waits for the new snapshot.
    pick: async (name) => {
      await page.waitForSelector('#picker-filter');
      await page.keyboard.type(name);
      await h.op(() => page.keyboard.press('Enter'));
    },
    // The colour of a canvas pixel as #rrggbb.
    pixel: (x, y) => page.evaluate(([px, py]) => {
      const d = document.getElementById('blocks').getContext('2d').getImageData(px, py, 1, 1).data;
      return `#${Array.from(d.slice(0, 3)).map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    }, [Math.round(x), Math.round(y)]),
    waitCompiled: () => page.waitForFunction(() => {
      const s = window.__studio.state();
      return s.lastResult && s.lastResult.rev === s.rev;
    }, null, { timeout: 5000 }),
  };
  return h;
}
