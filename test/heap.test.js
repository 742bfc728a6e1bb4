// The heap through its runtime API: collection, pinning, coalescing, C-owned memory.
'use strict';
const { expect } = require('chai');
const { Arena, OutOfMemory } = require('../dist/heap/arena');
const { Collector } = require('../dist/heap/gc');
const { CMemTable, C_FREED, C_UNKNOWN } = require('../dist/heap/cmem');

const STRING = 1;
const OBJECT = 4;

/** An arena with a collector whose roots are exactly `roots`. */
function heap(max = 8 << 20, shapes = [Uint8Array.of(1, 0)]) {
  const arena = new Arena(1 << 20, max);
  const roots = new Set();
  const collector = new Collector(arena, shapes, { scan: (mark) => roots.forEach(mark) }, true);
  arena.attachCollector(collector);
  return { arena, roots, collector };
}

/** Freed: a FREE block now, or above the bump pointer (a free tail is given back). */
function isFree(arena, ref) {
  return ref >= arena.top || (arena.i32[ref >>> 2] & 0xff) === 0;
}

describe('heap', () => {
  it('frees unreachable objects and keeps reachable ones and what they reference', () => {
    const { arena, roots, collector } = heap();
    const kept = arena.newString('kept');
    const pair = arena.alloc(OBJECT, 16, 0); // shape 0: field 0 is a reference, field 1 a number
    arena.f64[Arena.slot0(pair)] = kept;
    arena.f64[Arena.slot0(pair) + 1] = 42;
    const garbage = arena.newString('garbage');
    roots.add(pair);
    collector.collect();
    expect(isFree(arena, garbage)).to.equal(true);
    expect(arena.readString(arena.f64[Arena.slot0(pair)])).to.equal('kept');
    expect(arena.f64[Arena.slot0(pair) + 1]).to.equal(42);
  });

  it('coalesces free neighbours and gives a free tail back to the bump pointer', () => {
    const { arena, roots, collector } = heap();
    const keep = arena.newString('k');
    const start = arena.top;
    for (let i = 0; i < 100; i++) arena.newString('x'.repeat(i));
    roots.add(keep);
    collector.collect();
    expect(arena.top).to.equal(start);
  });

  it('reuses freed memory: a steady-state loop does not grow the heap', () => {
    const { arena, roots, collector } = heap();
    roots.add(arena.newString('root'));
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 2000; i++) arena.newString('item ' + i);
      collector.collect();
    }
    const top = arena.top;
    for (let i = 0; i < 2000; i++) arena.newString('item ' + i);
    collector.collect();
    expect(arena.top).to.be.at.most(top);
  });

  it("keeps a pinned byte array's bytes through many collections while nothing references it, until every pin is undone", () => {
    const { arena, collector } = heap();
    const buf = arena.newArray(64, 2); // Elems.BYTES: what a []u8 holds, one byte per element
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 7) & 0xff);
    arena.u8.set(bytes, buf + 16);
    arena.pinBytes(buf);
    arena.pinBytes(buf); // two C calls hold it at once
    for (let i = 0; i < 50; i++) {
      for (let k = 0; k < 200; k++) arena.newString('churn ' + k);
      collector.collect();
    }
    expect(isFree(arena, buf)).to.equal(false);
    expect(Array.from(arena.u8.subarray(buf + 16, buf + 80))).to.deep.equal(Array.from(bytes));
    expect(arena.unpinBytes(buf)).to.equal(true);
    collector.collect();
    expect(isFree(arena, buf)).to.equal(false);
    expect(arena.unpinBytes(buf)).to.equal(true);
    expect(arena.unpinBytes(buf)).to.equal(false); // not pinned any more: nothing changes
    collector.collect();
    expect(isFree(arena, buf)).to.equal(true);
  });

  it('keeps a byte slice one byte per element, growing by appends', () => {
    const { arena, roots } = heap();
    const s = arena.newSlice(0, 0, 2);
    roots.add(s);
    for (let i = 0; i < 1000; i++) arena.push(s, i & 0xff);
    expect(arena.isBytes(s)).to.equal(true);
    expect(arena.sliceLen(s)).to.equal(1000);
    const arr = arena.sliceArray(s);
    expect(arena.i32[(arr >>> 2) + 1]).to.be.within(1000, 2048); // payload bytes, not 8 per element
    const b0 = arena.bytesBase(s);
    expect(Array.from(arena.u8.subarray(b0 + 250, b0 + 260))).to.deep.equal([250, 251, 252, 253, 254, 255, 0, 1, 2, 3]);
    const sub = arena.subSlice(s, 256, 1000);
    expect(arena.isBytes(sub)).to.equal(true);
    expect(arena.bytesBase(sub)).to.equal(b0 + 256);
  });

  it('reports live data above the limit as out of memory, never a crash', () => {
    const { arena, roots } = heap(2 << 20);
    expect(() => {
      for (;;) roots.add(arena.alloc(STRING, 64 << 10));
    }).to.throw(OutOfMemory, /^out of memory: live heap [0-9.]+ MB and a 64\.0 KB request exceed --max-heap 2 MB; run with a larger --max-heap/);
  });

  it('says a request failed for fragmentation when the live heap and the request would fit', () => {
    const { arena, roots } = heap(4 << 20);
    // fill the heap with 64 KB strings, keep every other one: half the heap is free, in 64 KB holes
    const all = [];
    try {
      for (;;) {
        const r = arena.alloc(STRING, 64 << 10);
        all.push(r);
        roots.add(r);
      }
    } catch (e) {
      if (!(e instanceof OutOfMemory)) throw e;
    }
    all.forEach((r, i) => i % 2 === 1 && roots.delete(r));
    let err;
    try {
      arena.alloc(STRING, 1 << 20);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(OutOfMemory);
    expect(err.live + err.requested).to.be.at.most(4 << 20);
    expect(err.message).to.match(/^out of memory: no free block holds a 1\.0 MB request, though the live heap \([0-9.]+ MB\) is under --max-heap 4 MB: the free space is split into smaller blocks between live objects \(fragmentation\)/);
  });

  it('the C-memory table tells live, freed and unknown blocks apart, and a double free', () => {
    const t = CMemTable.create();
    expect(t.empty).to.equal(true);
    t.allocated(0x5000_0010, 32);
    expect(t.lookup(0x5000_0010)).to.equal(32);
    expect(t.release(0x5000_0010)).to.equal('ok');
    expect(t.lookup(0x5000_0010)).to.equal(C_FREED);
    expect(t.release(0x5000_0010)).to.equal('double');
    expect(t.release(0x1234)).to.equal('unknown');
    // C handed the address out again: it is not "freed" memory any more
    t.reissued(0x5000_0010);
    expect(t.lookup(0x5000_0010)).to.equal(C_UNKNOWN);
    t.allocated(0x5000_0010, 8);
    expect(t.lookup(0x5000_0010)).to.equal(8);
    expect(t.live).to.equal(1);
  });

  it('the C-memory table grows, and a second view of its buffer (another worker) sees every block', () => {
    const t = CMemTable.create();
    for (let i = 1; i <= 5000; i++) t.allocated(0x7000_0000 + i * 16, i);
    const other = new CMemTable(t.sab);
    for (let i = 1; i <= 5000; i++) expect(other.lookup(0x7000_0000 + i * 16)).to.equal(i);
    for (let i = 1; i <= 5000; i += 2) expect(other.release(0x7000_0000 + i * 16)).to.equal('ok');
    expect(t.live).to.equal(2500);
    expect(t.release(0x7000_0000 + 16)).to.equal('double');
  });

  it('writes an integer\'s decimal text as String does, digits straight into the string', () => {
    const { arena } = heap();
    const values = [0, -0, 1, -1, 9, 10, -10, 99, 100, 123456789, -2147483648, 4294967295,
      999999999999999, 1e15, -1e15, 1e15 + 1, 2 ** 53 - 1, -(2 ** 53 - 1),
      2 ** 53, 2 ** 63, -(2 ** 63), 18446744073709551615, 1e21];
    for (let k = 1; k < 16; k++) values.push(10 ** k - 1, 10 ** k, -(10 ** k), -(10 ** k - 1));
    for (const v of values) expect(arena.readString(arena.newDecimal(v)), String(v)).to.equal(String(v));
  });
});
