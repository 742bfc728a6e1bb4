// Every program in examples/ runs to the end with exit status 0, as examples/README.md says,
// and the channel and C interop examples print their closing lines (the C ones call
// build/clib/libasthrademo.so, which npm test builds first).
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'asthra');
const LAST = {
  'producer_consumer.asthra': '[COORDINATOR] Consumers took 20 items',
  'pipeline.asthra': '[MAIN] sum of the squares received >= 8555: true',
  // the two non-blocking tasks sleep alike and may finish in either order on two workers; the
  // blocking C call (300 ms) finishes after both
  'ffi_blocking.asthra': /^\[MAIN\] finished in this order: (Non-blocking task, Another non-blocking task|Another non-blocking task, Non-blocking task), blocking$/,
  'ffi_callbacks.asthra': '[MAIN] 5 callbacks handled, byte sums total 35',
};

describe('examples/', () => {
  for (const name of fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.asthra'))) {
    for (const workers of ['1', '2']) {
      it(`${name} on ${workers} worker(s) exits 0`, () => {
        const r = spawnSync(process.execPath, [CLI, 'run', '--workers', workers, '--lib-path', 'build/clib', path.join('examples', name)], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
        expect(r.status, r.stderr).to.equal(0);
        const last = r.stdout.trimEnd().split('\n').pop();
        if (LAST[name] instanceof RegExp) expect(last).to.match(LAST[name]);
        else if (LAST[name]) expect(last).to.equal(LAST[name]);
      });
    }
  }
});
