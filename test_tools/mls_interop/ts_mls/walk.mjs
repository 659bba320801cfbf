// walk.mjs — the deep random walk: a seeded sequence of steps over one mixed group
// (adds and removes by value and by reference, external joins, Update proposals,
// empty Commits, application messages, some delivered late), checking agreement
// after every epoch change. The seed is printed with any failure so the walk can be
// replayed with --seed.
import { randomBytes } from 'node:crypto';
import { workarounds } from './ts_member.mjs';

/** mulberry32 is a small seeded PRNG: the walk must replay exactly from its seed. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Bounds the group so a walk stays a few seconds per suite; big enough for a tree of
// depth 3 with blanks after removes.
const maxMembers = 8;

export async function randomWalk({ makeGroup, verbose }, seed, steps) {
  const rand = mulberry32(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const chance = (p) => rand() < p;
  const g = makeGroup();
  let serial = 0;
  const fresh = (kind) => g.newMember(kind, `${kind === 'ztmeet' ? 'zt' : 'ts'}-${++serial}`);
  const tally = {};
  const trace = [];
  const late = []; // application messages sent but not yet delivered

  // Start mixed: one of each stack, the creator chosen by the seed.
  const first = fresh(chance(0.5) ? 'ztmeet' : 'ts-mls');
  await g.create(first, randomBytes(16));
  await g.commit(first, { adds: [fresh(first.kind === 'ztmeet' ? 'ts-mls' : 'ztmeet')] });

  // A member may leave only if a member of its stack stays: the group stays mixed.
  const removable = (except) => g.live().filter((m) => !except.includes(m.name) &&
    g.byKind(m.kind).filter((o) => !except.includes(o.name)).length > 1);

  // Commits that would leave the left half of the tree empty hit ts-mls's
  // commit_secret deviation (finding 3); the scenario blank-left-half shows it, and
  // the walk adds one more joiner by value to such a Commit instead (an Add takes the
  // leftmost blank leaf), so every other tree shape stays reachable.
  const commit = async (committer, opts = {}) => {
    const adds = opts.adds ?? [];
    if (workarounds.enabled && await g.leavesLeftHalfBlank(opts.removes, adds.length)) {
      tally['left-half-refill'] = (tally['left-half-refill'] ?? 0) + 1;
      opts = { ...opts, adds: [...adds, fresh(chance(0.5) ? 'ztmeet' : 'ts-mls')] };
    }
    await g.commit(committer, opts);
  };

  for (let step = 1; step <= steps; step += 1) {
    const members = g.live();
    const roll = rand();
    let op;
    try {
      if (g.ghosts.size > 0) {
        op = 'remove-ghost';
        await commit(pick(members), { removes: [...g.ghosts] });
      } else if (roll < 0.07 && members.length < maxMembers) {
        // External join from a GroupInfo of the joiner's own stack (finding 5).
        const joiner = fresh(chance(0.5) ? 'ztmeet' : 'ts-mls');
        op = `external-join ${joiner.kind}`;
        await g.externalJoin(joiner, pick(g.byKind(joiner.kind)), { treeInGroupInfo: chance(0.5) });
      } else if (roll < 0.30) {
        if (chance(0.3)) {
          // Delivered only after the next step, often from the previous epoch.
          op = 'late-message';
          late.push(await g.send(pick(members)));
        } else {
          op = 'message';
          await g.message(pick(members));
        }
      } else if (roll < 0.45) {
        op = 'empty-commit';
        await commit(pick(members), { treeInWelcome: chance(0.5) });
      } else if (roll < 0.62 && members.length < maxMembers) {
        const joiner = fresh(chance(0.5) ? 'ztmeet' : 'ts-mls');
        if (chance(0.5)) {
          op = `add-by-value ${joiner.kind}`;
          await commit(pick(members), { adds: [joiner], treeInWelcome: chance(0.5) });
        } else {
          op = `add-by-reference ${joiner.kind}`;
          await g.propose(pick(members), { add: joiner });
          await commit(pick(members), { treeInWelcome: chance(0.5) });
        }
      } else if (roll < 0.80 && removable([]).length > 0) {
        const target = pick(removable([])).name;
        const committer = pick(members.filter((m) => m.name !== target));
        if (chance(0.5)) {
          op = `remove-by-value`;
          await commit(committer, { removes: [target] });
        } else {
          op = `remove-by-reference`;
          await g.propose(pick(members.filter((m) => m.name !== target)), { remove: target });
          await commit(committer);
        }
      } else if (roll < 0.90 && g.byKind('ztmeet').length > 0 && members.length > 1) {
        // ts-mls 1.6.4 has no API to make an Update proposal, so ztmeet proposes them;
        // the committer is another member (§12.2: never the Update's sender).
        op = 'update-by-reference';
        const proposer = pick(g.byKind('ztmeet'));
        await g.propose(proposer, { update: true });
        await commit(pick(members.filter((m) => m !== proposer)));
      } else {
        // Several proposals by reference from both stacks in one Commit, plus one by value.
        op = 'combined-commit';
        const committer = pick(members);
        const used = [committer.name];
        if (g.byKind('ztmeet').some((m) => m !== committer) && chance(0.5)) {
          const updater = pick(g.byKind('ztmeet').filter((m) => m !== committer));
          used.push(updater.name);
          await g.propose(updater, { update: true });
        }
        const gone = removable(used);
        const target = gone.length > 0 && chance(0.7) ? pick(gone).name : null;
        if (target) await g.propose(pick(members.filter((m) => m.name !== target)), { remove: target });
        const adds = [];
        if (members.length < maxMembers - 1) {
          await g.propose(pick(members.filter((m) => m.name !== target)), { add: fresh(chance(0.5) ? 'ztmeet' : 'ts-mls') });
          adds.push(fresh(chance(0.5) ? 'ztmeet' : 'ts-mls'));
        }
        await commit(committer, { adds, treeInWelcome: chance(0.5) });
      }
      if (op !== 'late-message') {
        for (const msg of late.splice(0)) await g.deliver(msg);
      }
    } catch (err) {
      throw new Error(`random walk seed ${seed} step ${step} (${op}): ${err.message}\n  last steps: ${trace.slice(-5).join('; ')}`);
    }
    tally[op.split(' ')[0]] = (tally[op.split(' ')[0]] ?? 0) + 1;
    trace.push(`${step}:${op}`);
    if (verbose) console.log(`  step ${step}: ${op} -> ${[...g.members.keys()].join(',')}`);
  }
  const ops = Object.entries(tally).map(([k, v]) => `${k} ${v}`).join(', ');
  return `seed ${seed}, ${steps} steps (${ops}), ${g.checks} agreement checks, ${g.messages} messages, ` +
         `${g.members.size} members at the end${g.deviations()}`;
}
