// scenarios.mjs — the scripted mixed-group scenarios. Each run(ctx) throws on the
// first disagreement and otherwise returns a one-line summary of what it checked.
import { randomBytes } from 'node:crypto';
import { workarounds, ts, ecdsaCurveOf } from './ts_member.mjs';

const groupId = () => randomBytes(16);

function summary(g, extra = '') {
  return `${g.checks} agreement checks, ${g.commits} commits, ${g.messages} messages${extra}${g.deviations()}`;
}

// 1. ts-mls creates the group and adds a ztmeet member, which joins from the Welcome.
function welcomeFromTs(treeInWelcome) {
  return async ({ makeGroup }) => {
    const g = makeGroup();
    const a = g.newMember('ts-mls', 'ts-a');
    const b = g.newMember('ztmeet', 'zt-b');
    await g.create(a, groupId());
    await g.commit(a, { adds: [b], treeInWelcome });
    await g.messageAll();
    await g.commit(b); // ztmeet's first Commit in a ts-mls group (empty, with path)
    await g.messageAll();
    return summary(g);
  };
}

// 2. ztmeet creates the group and adds a ts-mls member, which joins from the Welcome.
function welcomeFromZt(treeInWelcome) {
  return async ({ makeGroup }) => {
    const g = makeGroup();
    const a = g.newMember('ztmeet', 'zt-a');
    const b = g.newMember('ts-mls', 'ts-b');
    await g.create(a, groupId());
    await g.commit(a, { adds: [b], treeInWelcome });
    await g.messageAll();
    await g.commit(b);
    await g.messageAll();
    return summary(g);
  };
}

// 3. Mixed group of two members of each stack: adds by value and by reference, empty
// Commits with path from everyone, Update proposals, removes by value and by
// reference, messages in every direction after every change.
async function mixedFour({ makeGroup }) {
  const g = makeGroup();
  const tsA = g.newMember('ts-mls', 'ts-a');
  const ztB = g.newMember('ztmeet', 'zt-b');
  const tsC = g.newMember('ts-mls', 'ts-c');
  const ztD = g.newMember('ztmeet', 'zt-d');
  await g.create(tsA, groupId());
  await g.commit(tsA, { adds: [ztB] });                 // ts-mls adds ztmeet by value
  await g.commit(ztB, { adds: [tsC] });                 // ztmeet adds ts-mls by value
  await g.propose(tsC, { add: ztD });                   // ts-mls Add proposal ...
  await g.commit(ztB);                                  // ... committed by ztmeet by reference
  await g.messageAll();
  for (const m of [tsA, ztB, tsC, ztD]) {               // empty Commits (path) from each
    await g.commit(m);
    await g.messageAll();
  }
  await g.propose(ztB, { update: true });               // ztmeet Update ...
  await g.commit(tsA);                                  // ... committed by ts-mls
  await g.propose(ztD, { update: true });               // ztmeet Update ...
  await g.commit(ztB);                                  // ... committed by ztmeet
  await g.messageAll();
  await g.propose(tsA, { remove: 'zt-d' });             // ts-mls Remove proposal ...
  await g.commit(ztB);                                  // ... committed by ztmeet
  await g.messageAll();
  const ztE = g.newMember('ztmeet', 'zt-e');
  await g.propose(ztB, { add: ztE });                   // ztmeet Add proposal ...
  await g.propose(ztB, { remove: 'ts-c' });             // ... and Remove proposal ...
  await g.commit(tsA);                                  // ... committed together by ts-mls
  await g.messageAll();
  const tsF = g.newMember('ts-mls', 'ts-f');
  await g.commit(ztE, { adds: [tsF], removes: ['zt-b'] }); // ztmeet: add + remove by value
  await g.messageAll();
  const ztG = g.newMember('ztmeet', 'zt-g');
  await g.commit(tsF, { adds: [ztG], removes: ['ts-a'], treeInWelcome: false }); // ts-mls, tree out of band
  await g.messageAll();
  await g.propose(ztG, { update: true });
  await g.propose(tsF, { remove: 'zt-e' });
  await g.commit(tsF); // ts-mls commits a ztmeet Update + its own Remove by reference
  await g.messageAll();
  return summary(g, `, ${g.members.size} members at the end`);
}

// 4. The authentication service is real: ts-mls refuses a ztmeet KeyPackage of an
// identity nobody enrolled, and a Welcome into a group whose creator is unknown.
async function authService({ makeGroup, directory }) {
  const g = makeGroup();
  const tsA = g.newMember('ts-mls', 'ts-a');
  await g.create(tsA, groupId());
  const mallory = g.newMember('ztmeet', 'mallory');
  const kp = await mallory.makeKeyPackage(); // not enrolled
  const before = directory.rejections;
  const epoch = tsA.epoch();
  let refused = false;
  try { await tsA.commit({ adds: [kp] }); } catch { refused = true; }
  if (!refused || directory.rejections === before) throw new Error('ts-mls added an unenrolled ztmeet identity');
  if (tsA.epoch() !== epoch) throw new Error('a refused Commit moved the ts-mls epoch');

  // A second KeyPackage under an enrolled name but another signature key.
  const ztB = g.newMember('ztmeet', 'zt-b');
  await g.prepare(ztB);
  const impostor = g.newMember('ztmeet', 'zt-b');
  const impostorKp = await impostor.makeKeyPackage();
  refused = false;
  try { await tsA.commit({ adds: [impostorKp] }); } catch { refused = true; }
  if (!refused) throw new Error('ts-mls added an enrolled identity under another signature key');

  // A group created by a ztmeet identity the directory does not know.
  const g2 = makeGroup();
  const stranger = g2.newMember('ztmeet', 'zt-stranger');
  await stranger.createGroup(groupId());
  const tsJ = g2.newMember('ts-mls', 'ts-j');
  await g2.prepare(tsJ);
  const res = await stranger.commit({ adds: [tsJ.keyPackage] });
  refused = false;
  try { await tsJ.join(res.welcome, null); } catch { refused = true; }
  if (!refused) throw new Error('ts-mls joined a group created by an unenrolled identity');

  // And the good path still works after the refusals.
  await g.commit(tsA, { adds: [ztB] });
  await g.messageAll();
  return `3 refusals, ${directory.rejections} credentials rejected, ${summary(g)}`;
}

// 3b. Application messages out of order (§9.1: generations skipped and caught up)
// and from earlier epochs (receivers keep the previous epochs' secret trees).
async function application({ makeGroup }) {
  const g = makeGroup();
  const tsA = g.newMember('ts-mls', 'ts-a');
  const ztB = g.newMember('ztmeet', 'zt-b');
  const tsC = g.newMember('ts-mls', 'ts-c');
  const ztD = g.newMember('ztmeet', 'zt-d');
  await g.create(tsA, groupId());
  await g.commit(tsA, { adds: [ztB, tsC, ztD] });
  let checked = 0;
  // Each member sends three; everyone receives them newest first.
  const batch = [];
  for (const m of g.live()) for (let k = 0; k < 3; k += 1) batch.push(await g.send(m));
  for (const msg of batch.reverse()) { await g.deliver(msg); checked += 1; }
  // Sent in epoch e, received after one and after two further Commits (one of each stack).
  const old1 = [];
  for (const m of g.live()) old1.push(await g.send(m));
  await g.commit(ztB);
  const old2 = [];
  for (const m of g.live()) old2.push(await g.send(m));
  await g.commit(tsC);
  for (const msg of [...old2, ...old1]) { await g.deliver(msg); checked += 1; }
  await g.messageAll();
  return `${summary(g)}, ${checked} delivered out of order or late`;
}

// 4b. External joins (§12.4.3.2): members of each stack join by an external Commit
// from a GroupInfo of their own stack (finding 5 rules out the other one), with the
// tree in the ratchet_tree extension and beside it, and members of both stacks
// process every external Commit. Then the cross-stack GroupInfos are tried: the
// runner checks that finding 5 shows exactly there (--strict fails).
async function externalJoin({ makeGroup }) {
  const g = makeGroup();
  const ztA = g.newMember('ztmeet', 'zt-a');
  const tsB = g.newMember('ts-mls', 'ts-b');
  await g.create(ztA, groupId());
  await g.commit(ztA, { adds: [tsB] });
  await g.externalJoin(g.newMember('ts-mls', 'ts-c'), tsB, { treeInGroupInfo: true });
  await g.externalJoin(g.newMember('ts-mls', 'ts-d'), tsB, { treeInGroupInfo: false });
  await g.externalJoin(g.newMember('ztmeet', 'zt-e'), ztA, { treeInGroupInfo: true });
  await g.externalJoin(g.newMember('ztmeet', 'zt-f'), ztA, { treeInGroupInfo: false });
  await g.messageAll();
  await g.commit(g.members.get('zt-f'));
  await g.commit(g.members.get('ts-d'));
  await g.messageAll();

  const refused = [];
  for (const [joiner, source] of [[g.newMember('ts-mls', 'ts-x'), ztA], [g.newMember('ztmeet', 'zt-y'), tsB]]) {
    try {
      await g.externalJoin(joiner, source, { treeInGroupInfo: true });
      refused.push(`${joiner.kind} from ${source.kind}: joined (the deviation is gone)`);
    } catch (err) {
      if (!workarounds.enabled || !err.message.includes('the joiner failed')) throw err;
      refused.push(`${joiner.kind} from a ${source.kind} GroupInfo: ${err.message.split('the joiner failed: ')[1]}`);
    }
  }
  await g.messageAll();
  return `${summary(g)}; known ts-mls deviation reproduced: ${refused.join('; ')}`;
}

// 4c. Pre-shared keys (§8.4): external PSK and resumption PSK proposals of each stack
// committed by the other, two PSKs in one Commit, and a Welcome that names a PSK.
async function psk({ makeGroup }) {
  const g = makeGroup();
  const ztA = g.newMember('ztmeet', 'zt-a');
  const tsB = g.newMember('ts-mls', 'ts-b');
  const ztC = g.newMember('ztmeet', 'zt-c');
  const tsD = g.newMember('ts-mls', 'ts-d');
  await g.create(ztA, groupId());
  await g.commit(ztA, { adds: [tsB, ztC, tsD] });
  const id1 = new TextEncoder().encode('psk one');
  const id2 = new TextEncoder().encode('psk two');
  await g.storePsk(id1, randomBytes(32));
  await g.storePsk(id2, randomBytes(32));
  await g.propose(ztA, { psk: id1 });                        // ztmeet external PSK ...
  await g.commit(tsB);                                       // ... committed by ts-mls
  await g.propose(tsD, { psk: id2 });                        // ts-mls external PSK ...
  await g.commit(ztC);                                       // ... committed by ztmeet
  await g.messageAll();
  const epoch = () => Number(tsB.epoch());
  await g.propose(ztC, { resumption: epoch() - 1 });         // ztmeet resumption PSK ...
  await g.commit(tsD);                                       // ... committed by ts-mls
  await g.propose(tsB, { resumption: epoch() - 2 });         // ts-mls resumption PSK ...
  await g.commit(ztA);                                       // ... committed by ztmeet
  await g.propose(ztA, { psk: id1 });                        // both kinds, both stacks,
  await g.propose(tsB, { resumption: epoch() - 1 });         // one Commit
  await g.commit(ztC);
  await g.propose(tsD, { psk: id2 });                        // a PSK the joiners need
  await g.commit(ztA, { adds: [g.newMember('ts-mls', 'ts-e'), g.newMember('ztmeet', 'zt-f')] });
  await g.propose(ztC, { psk: id1 });
  await g.commit(tsB, { adds: [g.newMember('ztmeet', 'zt-g')] });
  await g.messageAll();

  // The PSK really enters the key schedule: one member of each stack holds another
  // secret under the next PSK's id and must refuse the Commit; the others accept it.
  const id3 = new TextEncoder().encode('psk three');
  const right = randomBytes(32);
  const odd = new Set(['ts-d', 'zt-g']);
  for (const m of g.live()) await m.storePsk(id3, odd.has(m.name) ? randomBytes(32) : right);
  await g.propose(tsB, { psk: id3 });
  const proposals = g.pending.map((p) => p.bytes);
  const { commit } = await ztA.commit({ byReference: proposals });
  const refusedBy = [];
  for (const m of g.live()) {
    if (m === ztA) continue;
    try {
      if (m.kind === 'ztmeet') await m.handleCommit(commit, proposals); else await m.handle(commit);
    } catch { refusedBy.push(m.name); }
  }
  if (refusedBy.sort().join(',') !== [...odd].sort().join(',')) {
    throw new Error(`a Commit with a PSK the members hold differently was refused by [${refusedBy}], expected [${[...odd]}]`);
  }
  return `${summary(g)}, wrong PSK refused by ${refusedBy.join(' and ')}`;
}

// 4d. Group context extensions (§12.1.7) proposed by each stack and committed by each
// (required_capabilities, §7.2); joiners see them. ts-mls commits them only together
// with an Update (finding 6: alone, it leaves out the UpdatePath they require). The
// last steps reproduce findings 6 and 7 (external_senders).
async function groupContextExtensions({ makeGroup, directory }) {
  const g = makeGroup();
  const ztA = g.newMember('ztmeet', 'zt-a');
  const tsB = g.newMember('ts-mls', 'ts-b');
  const ztC = g.newMember('ztmeet', 'zt-c');
  const tsD = g.newMember('ts-mls', 'ts-d');
  await g.create(ztA, groupId());
  await g.commit(ztA, { adds: [tsB, ztC, tsD] });
  const required = {
    type: ts.defaultExtensionTypes.required_capabilities,
    data: ts.encodeRequiredCapabilities({ extensionTypes: [], proposalTypes: [], credentialTypes: ['basic'] }),
  };
  await g.propose(ztA, { extensions: [required] });           // ztmeet proposes, ztmeet commits
  await g.commit(ztC);
  await g.propose(tsD, { extensions: [required] });           // ts-mls proposes, ztmeet commits
  await g.commit(ztA);
  await g.propose(ztA, { extensions: [required] });           // ztmeet proposes, ts-mls commits
  await g.propose(ztC, { update: true });                     // (with an Update: finding 6)
  await g.commit(tsB);
  await g.commit(tsB, { adds: [g.newMember('ztmeet', 'zt-e')] }); // joiners see the extensions
  await g.commit(ztA, { adds: [g.newMember('ts-mls', 'ts-f')] });
  await g.messageAll();

  // Finding 6: a ts-mls Commit of only a GroupContextExtensions proposal has no path.
  const found = [];
  await g.propose(tsD, { extensions: [required] });
  found.push(await knownDeviation(() => g.commit(tsB), /path_required/));

  // Finding 7: external_senders is `ExternalSender external_senders<V>` (§12.1.8.1),
  // a vector; ts-mls decodes one ExternalSender. In a fresh group of two.
  const g2 = makeGroup();
  const ztX = g2.newMember('ztmeet', 'zt-x');
  await g2.create(ztX, groupId());
  const tsY = g2.newMember('ts-mls', 'ts-y');
  await g2.commit(ztX, { adds: [tsY] });
  const signer = await tsY.impl.signature.keygen();
  const curve = ecdsaCurveOf(tsY.impl);
  const signatureKey = curve ? curve.Point.fromBytes(signer.publicKey).toBytes(false) : signer.publicKey;
  directory.enroll('ext-sender', signatureKey);
  const sender = ts.encodeExternalSender({
    signaturePublicKey: signatureKey,
    credential: { credentialType: 'basic', identity: new TextEncoder().encode('ext-sender') },
  });
  const senders = { type: ts.defaultExtensionTypes.external_senders, data: tlsVector([sender]) };
  await g2.propose(ztX, { extensions: [required, senders] });
  found.push(await knownDeviation(() => g2.commit(ztX), /Could not decode external_senders/));
  return `${summary(g)}; known ts-mls deviations reproduced: ${found.join('; ')}`;
}

// knownDeviation runs a step that a known ts-mls deviation makes fail, checks it
// fails that way (--strict: any failure is reported as such) and says how.
async function knownDeviation(step, pattern) {
  try {
    await step();
  } catch (err) {
    if (!workarounds.enabled || !pattern.test(err.message)) throw err;
    return err.message.split(': ').slice(1).join(': ');
  }
  return 'no longer fails (the deviation is gone)';
}

// tlsVector encodes `T items<V>` (§2.1.2: a variable-length integer prefix).
function tlsVector(items) {
  const body = Buffer.concat(items.map((b) => Buffer.from(b)));
  const n = body.length;
  const prefix = n < 64 ? Buffer.from([n]) : n < 16384 ? Buffer.from([0x40 | (n >> 8), n & 0xff])
    : Buffer.from([0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  return new Uint8Array(Buffer.concat([prefix, body]));
}

// 5. Finding 3 (docs/interop.md): when every member sits in the right half of the
// tree, the root is not on the committer's filtered direct path and RFC 9420 §12.4.2
// makes commit_secret the path secret after the last one of the UpdatePath; ts-mls
// 1.6.4 derives it once more ("up to the root"). Each direction is played in a group
// of four (leaves 0-3) where the member at leaf 2 or 3 removes leaves 0 and 1. The
// runner checks that the deviation shows exactly where predicted; --strict fails.
async function blankLeftHalf({ makeGroup }) {
  const outcomes = [];
  for (const committerKind of ['ztmeet', 'ts-mls']) {
    const g = makeGroup();
    const a = g.newMember('ts-mls', 'ts-a');
    await g.create(a, groupId());
    const b = g.newMember('ztmeet', 'zt-b');
    const c = g.newMember('ts-mls', 'ts-c');
    const d = g.newMember('ztmeet', 'zt-d');
    await g.commit(a, { adds: [b, c, d] });
    const committer = committerKind === 'ztmeet' ? d : c;
    if (!(await g.leavesLeftHalfBlank(['ts-a', 'zt-b'], 0))) throw new Error('the shape predictor disagrees');
    try {
      await g.commit(committer, { removes: ['ts-a', 'zt-b'] });
      outcomes.push(`${committerKind} committer: all agree (the deviation is gone)`);
      continue;
    } catch (err) {
      const receiver = committerKind === 'ztmeet' ? 'ts-mls member ts-c' : 'ztmeet member zt-d';
      if (!workarounds.enabled || !err.message.includes(`${receiver} rejected it`) ||
          !/confirmation tag|confirmation_tag/i.test(err.message)) throw err;
      outcomes.push(`${committerKind} committer: ${receiver} rejects it (${err.message.split('rejected it: ')[1]})`);
    }
  }
  return `known ts-mls deviation reproduced: ${outcomes.join('; ')}`;
}

export const scenarios = [
  { name: 'welcome-from-ts-mls/tree-in-welcome', run: welcomeFromTs(true) },
  { name: 'welcome-from-ts-mls/external-tree', run: welcomeFromTs(false) },
  { name: 'welcome-from-ztmeet/tree-in-welcome', run: welcomeFromZt(true) },
  { name: 'welcome-from-ztmeet/external-tree', run: welcomeFromZt(false) },
  { name: 'mixed-four', run: mixedFour },
  { name: 'application', run: application },
  { name: 'authentication-service', run: authService },
  { name: 'external-join', run: externalJoin },
  { name: 'psk', run: psk },
  { name: 'group-context-extensions', run: groupContextExtensions },
  { name: 'blank-left-half', run: blankLeftHalf },
];
