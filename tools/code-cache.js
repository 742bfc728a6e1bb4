#!/usr/bin/env node
// The last step of `npm run build`: fill dist/code-cache (src/runtime/codecache.ts) by running
// a small program once through `asthra run` and `asthra exec` in write mode, so that V8's code
// for the scripts start-up loads (the bundle of compiler, verifier, runtime and scheduler, and
// piscina's) is saved.
// A failure here only costs start-up time: it is reported and the build goes on.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const cache = path.join(root, 'dist', 'code-cache');
const asthra = path.join(root, 'bin', 'asthra');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-cache-'));
const src = path.join(dir, 'warm.asthra');
const astb = path.join(dir, 'warm.astb');
fs.writeFileSync(src, `package main;

fn square(x: int) -> int { return x * x; }

fn producer(ch: Channel<int>) -> void {
    for i in range(0, 10) { ch.send(square(i)); }
    ch.close();
}

pub fn main(void) -> void {
    let ch: Channel<int> = Channel::new(2);
    spawn producer(ch);
    let h: TaskHandle<int> = spawn_with_handle square(3);
    let mut sum: int = await h;
    for v in ch { sum = sum + v; }
    println("sum " + sum);
}
`);

fs.rmSync(cache, { recursive: true, force: true });
const env = { ...process.env, ASTHRA_CODE_CACHE: 'write' };
let ok = true;
for (const args of [['build', src, '-o', astb], ['exec', '--workers', '1', astb], ['run', '--workers', '1', src], ['exec', '--workers', '2', astb]]) {
  const r = spawnSync(process.execPath, [asthra, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    ok = false;
    process.stderr.write(`code cache: \`asthra ${args.join(' ')}\` failed (${r.status}): ${r.stderr}\n`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
const n = fs.existsSync(cache) ? fs.readdirSync(cache).length : 0;
console.log(ok ? `code cache: ${n} scripts in dist/code-cache` : 'code cache: incomplete (start-up is slower, nothing else changes)');
