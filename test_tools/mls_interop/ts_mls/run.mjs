#!/usr/bin/env node
// run.mjs — plays MLS groups whose members are split between ztmeet (a real
// `ztmeet mls-interop` process, driven over gRPC) and ts-mls (in this process), for
// cipher suites 1–3 and both handshake wire formats, and fails on any disagreement.
//
//   node test_tools/mls_interop/ts_mls/run.mjs --ztmeet build/release/apps/ztmeet/ztmeet
//        [--suites 1,2,3] [--modes private,public] [--only NAME] [--seed N] [--steps N]
//        [--strict] [--verbose]
//
// --strict turns off the runner's workarounds for ts-mls's known deviations from
// RFC 9420 (ts_member.mjs, group.mjs), so those findings show as failures.
// Prints one line per scenario and a closing "N passed, N failed, N skipped" line;
// exits 1 if any scenario failed. docs/interop.md "Against ts-mls" says what is covered.
import { parseArgs } from 'node:util';
import { ZtmeetServer } from './ztmeet.mjs';
import { Directory, loadSuite, workarounds } from './ts_member.mjs';
import { MixedGroup } from './group.mjs';
import { randomWalk } from './walk.mjs';
import { scenarios } from './scenarios.mjs';

const { values: opts } = parseArgs({
  options: {
    ztmeet: { type: 'string' },
    suites: { type: 'string', default: '1,2,3' },
    modes: { type: 'string', default: 'private,public' },
    only: { type: 'string' },
    seed: { type: 'string' },
    steps: { type: 'string', default: '120' },
    verbose: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});
workarounds.enabled = !opts.strict;
if (!opts.ztmeet) {
  console.error('usage: run.mjs --ztmeet PATH [--suites 1,2,3] [--modes private,public] [--only NAME] ' +
                '[--seed N] [--steps N] [--strict] [--verbose]');
  process.exit(2);
}

const suites = opts.suites.split(',').map(Number);
const modes = opts.modes.split(',');
const walkSeed = opts.seed !== undefined ? Number(opts.seed) : (Date.now() % 0x7fffffff);
const walkSteps = Number(opts.steps);
const counts = { passed: 0, failed: 0, skipped: 0 };
const started = Date.now();

const server = await ZtmeetServer.start(opts.ztmeet);
let exitCode = 0;
try {
  const name = (await server.call('Name', {})).name;
  const ztSuites = (await server.call('SupportedCiphersuites', {})).ciphersuites;
  console.log(`ts-mls interop: ${name} on 127.0.0.1:${server.port} (suites ${ztSuites.join(',')}), ` +
              `ts-mls 1.6.4 in-process, walk seed ${walkSeed}, ${walkSteps} steps` +
              (workarounds.enabled ? '' : ', strict (no workarounds)'));

  const all = [...scenarios, { name: 'random-walk', run: (ctx) => randomWalk(ctx, walkSeed, walkSteps) }];
  for (const suite of suites) {
    let impl = null;
    let skipReason = null;
    if (!ztSuites.includes(suite)) skipReason = `ztmeet does not offer suite ${suite}`;
    else {
      try { impl = await loadSuite(suite); } catch (err) { skipReason = `ts-mls cannot run suite ${suite}: ${err.message}`; }
    }
    for (const mode of modes) {
      for (const sc of all) {
        if (opts.only && !sc.name.includes(opts.only)) continue;
        const id = `suite ${suite} ${mode.padEnd(7)} ${sc.name}`;
        if (skipReason) {
          counts.skipped += 1;
          console.log(`SKIP ${id}: ${skipReason}`);
          continue;
        }
        const t0 = Date.now();
        const directory = new Directory();
        const makeGroup = () => new MixedGroup({ server, impl, directory, suite, publicHandshake: mode === 'public' });
        const ctx = { makeGroup, directory, suite, mode, verbose: opts.verbose };
        try {
          const summary = await sc.run(ctx);
          counts.passed += 1;
          console.log(`PASS ${id}: ${summary} (${Date.now() - t0} ms)`);
        } catch (err) {
          counts.failed += 1;
          exitCode = 1;
          console.log(`FAIL ${id}: ${err.message}`);
          if (opts.verbose) console.log(err.stack);
        }
        if (!server.alive()) throw new Error(`ztmeet died: ${server.stderrTail()}`);
      }
    }
  }
} catch (err) {
  console.log(`FAIL runner: ${err.message}`);
  counts.failed += 1;
  exitCode = 1;
} finally {
  const trouble = await server.stop();
  if (trouble) {
    console.log(`FAIL runner: ${trouble}`);
    counts.failed += 1;
    exitCode = 1;
  }
}
console.log(`ts-mls interop finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(exitCode);
