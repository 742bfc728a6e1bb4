// asthra trace view: the HTML page, opened in headless Chromium (Debian's /usr/bin/chromium):
// it draws one box per slice of a small program's trace, and a screenshot is taken. Pending
// where Chromium is not installed (.ci/run installs it).
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'asthra');
const CHROMIUM = '/usr/bin/chromium';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-view-'));
/** where the screenshot stays after the run, for a person to look at */
const SHOT = path.join(os.tmpdir(), 'asthra-trace-view.png');

function asthra(args) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
}

function chromium(args) {
  // --no-sandbox: the test may run as root, where Chromium's sandbox refuses to start
  return spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--user-data-dir=' + path.join(TMP, 'profile'), ...args],
    { encoding: 'utf8', timeout: 120000 });
}

describe('asthra trace view (headless Chromium)', function () {
  this.timeout(180000);
  after(() => fs.rmSync(TMP, { recursive: true, force: true }));

  it('writes one self-contained page with no network references', () => {
    const trace = path.join(TMP, 'golden.json');
    expect(asthra(['run', '--workers', '1', '--seed', '2', '--trace', trace, 'test/trace-programs/golden.asthra']).status).to.equal(0);
    const r = asthra(['trace', 'view', trace]);
    expect(r.status, r.stderr).to.equal(0);
    const html = fs.readFileSync(path.join(TMP, 'golden.html'), 'utf8');
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html).to.not.match(/(src|href)=["']?(https?:)?\/\//);
    expect(html).to.not.match(/\bfetch\(|XMLHttpRequest|import\(/);
  });

  const have = fs.existsSync(CHROMIUM);
  (have ? it : it.skip)(`draws a box for every slice of a small program, and takes a screenshot${have ? '' : ' (pending: no /usr/bin/chromium here; apt-get install chromium)'}`, () => {
    const trace = path.join(TMP, 'golden.json');
    const page = path.join(TMP, 'golden-view.html');
    expect(asthra(['run', '--workers', '1', '--seed', '2', '--trace', trace, 'test/trace-programs/golden.asthra']).status).to.equal(0);
    expect(asthra(['trace', 'view', trace, '-o', page]).status).to.equal(0);
    const events = JSON.parse(fs.readFileSync(trace, 'utf8')).traceEvents;
    const boxes = events.filter((e) => e.ph === 'X').length;
    // the seeded run has 23 task slices (the summary's golden output says the same)
    expect(events.filter((e) => e.ph === 'X' && e.cat === 'task').length).to.equal(23);
    const dom = chromium(['--virtual-time-budget=5000', '--dump-dom', 'file://' + page]);
    expect(dom.status, dom.stderr).to.equal(0);
    const m = /<div id="status" data-slices="(\d+)" data-drawn="(\d+)" data-tasks="(\d+)">([^<]*)</.exec(dom.stdout);
    expect(m, 'the page filled in its status line\n' + dom.stdout.slice(0, 2000)).to.not.equal(null);
    expect(Number(m[1]), 'slices in the page').to.equal(boxes);
    expect(Number(m[2]), 'slices drawn in the whole-trace view').to.equal(boxes);
    expect(Number(m[3]), 'task slices').to.equal(23);
    expect(m[4]).to.match(/^\d+ slices on 1 track, \d+ instants; showing /);
    if (fs.existsSync(SHOT)) fs.rmSync(SHOT);
    const shot = chromium(['--window-size=1200,300', '--virtual-time-budget=5000', '--screenshot=' + SHOT, 'file://' + page]);
    expect(shot.status, shot.stderr).to.equal(0);
    const png = fs.readFileSync(SHOT);
    expect(png.subarray(1, 4).toString()).to.equal('PNG');
    expect(png.length).to.be.greaterThan(5000);
  });
});
