// The collector's roots, listed in one place (clox's markRoots): the globals, the interned
// string constants and field-less objects, main's handle, the run queues' and the injection
// ring's blocks, the temporaries other workers published when they parked for this collection,
// and every live fiber: its block, its stack, its handle, and every frame's reference slots,
// found with the verifier's stack maps (precise: a number is never taken for a pointer).
// Only while no other worker runs (a stop-the-world, or one worker).
import { stackShapes } from '../bytecode/verify';
import { Op } from '../bytecode/opcodes';
import type { Module } from '../bytecode/module';
import { Arena } from '../heap/arena';
import type { RootSet } from '../heap/gc';
import { MAX_WORKERS, Meta } from '../heap/layout';
import { F, FRAME_WORDS, WaitKind, fw, stackLayout } from '../scheduler/fiber';
import { Done, W, ownWaiter, waiterValue, ww } from '../scheduler/waiter';
import type { Scheduler } from '../scheduler/scheduler';
import type { Interpreter } from '../vm/interpreter';

export class Roots implements RootSet {
  private stackMaps: ((string | undefined)[] | undefined)[] = [];

  constructor(readonly m: Module, readonly arena: Arena, readonly vm: Interpreter, readonly sched: Scheduler) {}

  scan(mark: (ref: number) => void): void {
    const vm = this.vm;
    const f64 = this.arena.f64;
    mark(vm.globalBlock);
    this.m.globals.forEach((g, i) => {
      if (g.kind === 1) mark(f64[vm.globalBase + i]);
    });
    for (const r of vm.strRefs) mark(r);
    for (const r of vm.unitRefs) mark(r);
    const i32 = this.arena.i32;
    mark(i32[Meta.MAIN_HANDLE]);
    mark(i32[Meta.INJECT]);
    if (i32[Meta.FFI_RING] !== 0) mark(i32[Meta.FFI_RING]);
    if (i32[Meta.CB_TABLE] !== 0) mark(i32[Meta.CB_TABLE]);
    for (const fiber of this.sched.liveFibers()) this.scanFiber(fiber, mark);
    for (let w = 0; w < MAX_WORKERS; w++) mark(i32[Meta.LOCALQ0 + w]);
    // temporaries other workers published when they parked for this collection
    for (let w = 0; w < MAX_WORKERS; w++) {
      const block = i32[Meta.TEMP_ROOTS0 + w];
      if (block === 0) continue;
      mark(block);
      const s0 = Arena.slot0(block);
      const n = this.arena.f64[s0];
      for (let k = 1; k <= n; k++) mark(this.arena.f64[s0 + k]);
    }
  }

  /** A receive of a reference that completed, its value not yet taken by its fiber. */
  private markReceived(w: number, mark: (ref: number) => void): void {
    const i32 = this.arena.i32;
    if (i32[ww(w, W.DONE)] === Done.Completed && i32[ww(w, W.KIND)] === WaitKind.Recv && i32[ww(w, W.ELEM)] === 1) {
      mark(this.arena.f64[waiterValue(w)]);
    }
  }

  private stackMap(fn: number): (string | undefined)[] {
    let map = this.stackMaps[fn];
    if (map === undefined) map = this.stackMaps[fn] = stackShapes(this.m, this.m.functions[fn]).at;
    return map;
  }

  /**
   * One fiber's roots: the fiber, its stack block, its handle, the records of the select it is
   * in (and what a receive was handed before the fiber ran again to take it), and every
   * frame's references.
   */
  scanFiber(fiber: number, mark: (ref: number) => void): void {
    const { f64, i32 } = this.arena;
    const fns = this.m.functions;
    const w0 = fw(fiber, 0);
    mark(fiber);
    mark(i32[w0 + F.STACK]);
    mark(i32[w0 + F.HANDLE]);
    const sel = i32[w0 + F.SELECT];
    for (let w = sel; w !== 0; w = i32[ww(w, W.LINK)]) {
      mark(i32[ww(w, W.BLOCK)]);
      this.markReceived(w, mark);
    }
    if (sel === 0) this.markReceived(ownWaiter(i32, fiber), mark);
    const L = stackLayout(this.arena, i32[w0 + F.STACK]);
    let fn = i32[w0 + F.FN];
    let pc = i32[w0 + F.PC];
    let base = L.slot0 + i32[w0 + F.BASE];
    let top = L.slot0 + i32[w0 + F.SP];
    let argc = 0;
    for (let d = i32[w0 + F.DEPTH]; ; ) {
      const proto = fns[fn];
      for (let k = 0; k < proto.nlocals; k++) if (proto.localKinds[k] === 1) mark(f64[base + k]);
      const shape = this.stackMap(fn)[pc] ?? '';
      const first = base + proto.nlocals;
      const live = shape.length - argc;
      if (first + live !== top) throw new Error(`gc: stack map of ${proto.name} at pc ${pc} has ${live} slots, the frame has ${top - first}`);
      for (let k = 0; k < live; k++) if (shape.charCodeAt(k) === 114 /* r */) mark(f64[first + k]);
      if (d === 0) break;
      d--;
      const w = L.frameBase + d * FRAME_WORDS;
      top = base;
      fn = i32[w];
      pc = i32[w + 1] - 3;
      base = L.slot0 + i32[w + 2];
      // the values the call popped: its arguments (and a CALL_CLOSURE's closure)
      argc = fns[fn].code[pc + 2] + (fns[fn].code[pc] === Op.CALL_CLOSURE ? 1 : 0);
    }
  }
}
