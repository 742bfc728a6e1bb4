// How an entry point (bin/asthra, a worker thread) loads the package's modules: from the two
// files tools/bundle.js makes at build time (dist/boot.js and dist/rest.js), or one file at a
// time as Node does. The bundle is used when it is there and every module it was made from is
// unchanged since; ASTHRA_DEBUG (whose JavaScript stacks should name the real files) and
// ASTHRA_BUNDLE=off load the files. Either way each module runs once and the program does the
// same; only start-up differs.
import { existsSync } from 'fs';
import * as path from 'path';

const DIST = path.resolve(__dirname, '..');

interface Bundle {
  load(rel: string): unknown;
  fresh(): boolean;
}

let bundle: Bundle | null | undefined;

function theBundle(): Bundle | null {
  if (bundle !== undefined) return bundle;
  bundle = null;
  if (process.env.ASTHRA_DEBUG || process.env.ASTHRA_BUNDLE === 'off') return bundle;
  const file = path.join(DIST, 'boot.js');
  if (!existsSync(file)) return bundle;
  const b = require(file) as Bundle;
  if (b.fresh()) bundle = b;
  return bundle;
}

/** The exports of dist/<rel> (e.g. 'cli/main.js'). */
export function entry(rel: string): unknown {
  const b = theBundle();
  return b !== null ? b.load(rel) : require(path.join(DIST, rel));
}

/** whether this thread's modules came from the bundle (for tests) */
export function bundled(): boolean {
  return theBundle() !== null;
}
