// The module a Piscina worker thread loads: the code cache first, then runtime/worker.js through
// boot.ts (from the bundle when there is one).
import './codecache';
import { entry } from './boot';

export = entry('runtime/worker.js');
