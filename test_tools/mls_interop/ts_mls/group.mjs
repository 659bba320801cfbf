// group.mjs — one MLS group whose members live in ztmeet (over gRPC) and in ts-mls
// (in this process). The runner plays the delivery service: it hands every proposal
// and Commit to every member and checks after each step that all of them agree.
import { ZtMember } from './ztmeet.mjs';
import {
  TsMember, decodeMessage, decodeTree, leafIdentities, hex, workarounds, unmergedLeavesProblem,
} from './ts_member.mjs';

const text = new TextEncoder();
const untext = new TextDecoder();

// The exporter label of the agreement check (RFC 9420 §8.5 MLS-Exporter).
const exportLabel = 'ztmeet ts-mls interop';

const bytesEqual = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

/** MixedGroup drives one group and counts what it checked. */
export class MixedGroup {
  constructor({ server, impl, directory, suite, publicHandshake }) {
    this.server = server;
    this.impl = impl;
    this.directory = directory;
    this.suite = suite;
    this.publicHandshake = publicHandshake;
    this.members = new Map(); // name -> ZtMember | TsMember
    this.pending = [];        // proposals sent this epoch: { bytes, from, add?, remove?, update? }
    this.checks = 0;          // agreement checks passed
    this.messages = 0;        // application messages decrypted by a receiver
    this.commits = 0;
    // ts-mls deviations the runner stepped around (see commit()), by kind.
    this.workedAround = { 'removed-member': 0, 'unmerged-leaves': 0 };
    this.ghosts = new Set();  // joiners in the tree that could not join (see commit())
    this.psks = [];           // external PSKs every member holds: [psk_id, secret]
  }

  /** newMember makes a member of either stack (not yet in the group). */
  newMember(kind, name) {
    return kind === 'ztmeet'
      ? new ZtMember(this.server, name, this.suite, !this.publicHandshake)
      : new TsMember(name, this.impl, this.directory, this.publicHandshake);
  }

  /**
   * prepare makes a joiner's KeyPackage, enrolls it with the authentication service
   * and gives it the group's external PSKs (a Welcome may name them, §8.4).
   */
  async prepare(joiner) {
    const kp = await joiner.makeKeyPackage();
    if (joiner.kind === 'ztmeet') this.directory.enrollKeyPackage(kp);
    for (const [id, secret] of this.psks) await joiner.storePsk(id, secret);
    return kp;
  }

  /** storePsk gives every member, present and future, an external PSK. */
  async storePsk(pskId, secret) {
    this.psks.push([pskId, secret]);
    for (const m of this.live()) await m.storePsk(pskId, secret);
  }

  async create(creator, groupId) {
    await creator.createGroup(groupId);
    if (creator.kind === 'ztmeet') {
      // Enroll ztmeet's creator from its own state (the runner's directory step), not
      // from a Welcome: leaf 0 of the creator's one-member tree.
      const { ratchetTree } = await creator.groupInfo();
      const tree = decodeTree(ratchetTree);
      const [[, identity]] = leafIdentities(tree);
      if (identity !== creator.name) throw new Error(`ztmeet creator leaf says ${identity}`);
      this.directory.enroll(identity, tree[0].leaf.signaturePublicKey);
    }
    this.members.set(creator.name, creator);
    await this.checkAgreement(`create by ${creator.name}`);
  }

  live() { return [...this.members.values()]; }
  byKind(kind) { return this.live().filter((m) => m.kind === kind); }

  /**
   * propose sends one proposal from `proposer`: { add: joiner } | { remove: name } |
   * { update: true }. ts-mls members take it in now; ztmeet members get it with the
   * Commit (HandleCommit's proposal list / Commit's by_reference), as the interop
   * protocol passes proposals.
   */
  async propose(proposer, what) {
    let bytes;
    if (what.add) bytes = await proposer.proposeAdd(await this.prepare(what.add));
    else if (what.remove) bytes = await proposer.proposeRemove(what.remove);
    else if (what.update) bytes = await proposer.proposeUpdate();
    else if (what.psk) bytes = await proposer.proposeExternalPsk(what.psk);
    else if (what.extensions) bytes = await proposer.proposeGroupContextExtensions(what.extensions);
    else if (what.resumption !== undefined) bytes = await proposer.proposeResumptionPsk(what.resumption);
    else throw new Error('unknown proposal');
    decodeMessage(bytes); // every proposal must at least parse on the other stack
    for (const m of this.live()) {
      if (m !== proposer && m.kind === 'ts-mls') await m.handle(bytes);
    }
    this.pending.push({ bytes, from: proposer.name, ...what });
  }

  /**
   * commit makes `committer` commit every pending proposal plus adds (joiners) and
   * removes (names) by value; every other member processes it, the removed ones
   * learn they are out, the joiners join from the Welcome — with the ratchet tree in
   * the GroupInfo's ratchet_tree extension or handed over out of band.
   */
  async commit(committer, { adds = [], removes = [], treeInWelcome = true } = {}) {
    const addKps = [];
    for (const j of adds) addKps.push(await this.prepare(j));
    const joiners = [...this.pending.filter((p) => p.add).map((p) => p.add), ...adds];
    const removed = new Set([...this.pending.filter((p) => p.remove).map((p) => p.remove), ...removes]);
    for (const name of removed) this.ghosts.delete(name);
    const proposals = this.pending.map((p) => p.bytes);

    const label = `commit ${++this.commits} by ${committer.name}` +
      (adds.length ? ` +${adds.map((j) => j.name)}` : '') + (removes.length ? ` -${removes}` : '') +
      (proposals.length ? ` refs[${this.pending.map(describe)}]` : '');
    let res;
    try {
      res = committer.kind === 'ztmeet'
        ? await committer.commit({ byReference: proposals, adds: addKps, removes, externalTree: !treeInWelcome })
        : await committer.commit({ adds: addKps, removes, ratchetTreeExtension: treeInWelcome });
    } catch (err) {
      throw new Error(`${label}: the committer failed: ${err.message}`);
    }
    const treeBefore = process.env.ZTM_TSMLS_DEBUG ? await this.currentTree() : null;
    for (const m of this.live()) {
      if (m === committer) continue;
      let stays;
      try {
        stays = m.kind === 'ztmeet' ? await m.handleCommit(res.commit, proposals) : await m.handle(res.commit);
      } catch (err) {
        // ts-mls 1.6.4 decides "was I removed?" by whether its leaf is blank after the
        // whole Commit; when an Add of the same Commit refills that leaf (§12.3: Adds
        // take the leftmost blank leaf, after the Removes) it believes it stayed, tries
        // to decrypt the UpdatePath and fails. Nothing remains for a removed member to
        // do (§12.4.2), so the runner counts this known deviation and drops it.
        if (workarounds.enabled && m.kind === 'ts-mls' && removed.has(m.name) &&
            /No overlap between provided private keys and update path/.test(err.message)) {
          this.workedAround['removed-member'] += 1;
          this.members.delete(m.name);
          continue;
        }
        if (treeBefore) {
          console.log(`tree before ${label}:\n${dumpTree(treeBefore)}`);
          const zt = this.byKind('ztmeet').find((z) => z.stateId !== 0 && (z === committer || !removed.has(z.name)));
          if (zt) {
            if (zt === committer) await committer.applyOwnCommit();
            console.log(`tree after, as ${zt.name} has it:\n${dumpTree(decodeTree((await zt.groupInfo()).ratchetTree))}`);
          }
        }
        throw new Error(`${label}: ${m.kind} member ${m.name} rejected it: ${err.message}`);
      }
      if (stays === removed.has(m.name)) {
        throw new Error(`${label}: ${m.name} ${stays ? 'stays in' : 'left'} the group, expected the opposite`);
      }
      if (!stays) this.members.delete(m.name);
    }
    if (committer.kind === 'ztmeet') await committer.applyOwnCommit();
    this.pending = [];
    if (joiners.length && !res.welcome) throw new Error(`${label}: no Welcome for ${joiners.map((j) => j.name)}`);
    for (const j of joiners) {
      try {
        await j.join(res.welcome, treeInWelcome ? null : res.ratchetTree);
      } catch (err) {
        // ts-mls 1.6.4 checks unmerged_leaves more strictly than §12.4.3.1: it wants
        // every non-blank node on the leaf's whole direct path to hold the same list.
        // If the tree passes the rule as written, the joiner stays a leaf that never
        // came online (a "ghost", removed by the next step of a walk).
        if (workarounds.enabled && j.kind === 'ts-mls' &&
            /must list leaf node in its unmerged_leaves/.test(err.message)) {
          const tree = await this.currentTree();
          if (process.env.ZTM_TSMLS_DEBUG) console.log(`tree ${j.name} refused after ${label}:\n${dumpTree(tree)}`);
          const problem = unmergedLeavesProblem(tree);
          if (problem) throw new Error(`${label}: the tree breaks §12.4.3.1: ${problem}`);
          this.workedAround['unmerged-leaves'] += 1;
          this.ghosts.add(j.name);
          continue;
        }
        throw new Error(`${label}: ${j.kind} joiner ${j.name} could not join` +
                        ` (tree ${treeInWelcome ? 'in the Welcome' : 'out of band'}): ${err.message}`);
      }
      this.members.set(j.name, j);
    }
    await this.checkAgreement(label);
  }

  /**
   * externalJoin has `joiner` join by an external Commit from the GroupInfo of
   * `source` (a member of either stack), with the tree in the GroupInfo's
   * ratchet_tree extension or handed over beside it; every member processes the
   * Commit. External Commits are always PublicMessages (§6.2). Returns false if
   * the joiner could not even start (a worked-around ts-mls deviation).
   */
  async externalJoin(joiner, source, { treeInGroupInfo = true } = {}) {
    if (this.pending.length) throw new Error('external join with proposals pending');
    const label = `external join of ${joiner.name} (${joiner.kind}) via ${source.name}'s GroupInfo` +
      (treeInGroupInfo ? '' : ', tree beside it');
    const { groupInfo, ratchetTree } = await source.groupInfo({ treeInGroupInfo });
    let commit;
    try {
      commit = await joiner.externalJoin(groupInfo, ratchetTree);
    } catch (err) {
      // Finding 4 again: ts-mls validates the tree of the GroupInfo the same way.
      // Nothing was sent, so the group just goes on without this joiner.
      if (workarounds.enabled && joiner.kind === 'ts-mls' &&
          /must list leaf node in its unmerged_leaves/.test(err.message)) {
        const problem = unmergedLeavesProblem(await this.currentTree());
        if (problem) throw new Error(`${label}: the tree breaks §12.4.3.1: ${problem}`);
        this.workedAround['unmerged-leaves'] += 1;
        return false;
      }
      throw new Error(`${label}: the joiner failed: ${err.message}`);
    }
    if (decodeMessage(commit).wireformat !== 'mls_public_message') throw new Error(`${label}: not a PublicMessage`);
    if (joiner.kind === 'ztmeet') {
      // Enroll the new ztmeet leaf from the joiner's own state (its signature key is
      // new), before any other member sees the Commit.
      const tree = decodeTree((await joiner.groupInfo()).ratchetTree);
      const index = leafIdentities(tree).find(([, id]) => id === joiner.name)[0];
      this.directory.enroll(joiner.name, tree[2 * index].leaf.signaturePublicKey);
    }
    this.commits += 1;
    for (const m of this.live()) {
      try {
        const stays = m.kind === 'ztmeet' ? await m.handleCommit(commit, []) : await m.handle(commit);
        if (!stays) throw new Error('it says it was removed');
      } catch (err) {
        throw new Error(`${label}: ${m.kind} member ${m.name} rejected it: ${err.message}`);
      }
    }
    this.members.set(joiner.name, joiner);
    await this.checkAgreement(label);
    return true;
  }

  /** deviations describes the worked-around ts-mls deviations, or '' if none. */
  deviations() {
    const parts = Object.entries(this.workedAround).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    return parts.length ? `, ts-mls deviations worked around: ${parts.join(', ')}` : '';
  }

  /**
   * leavesLeftHalfBlank predicts whether committing the pending proposals plus
   * `removes` and `addCount` Adds leaves every member in the right half of the tree
   * (§7.7 truncation, §12.1.1 leftmost blank leaf for Adds). Then the root is not on
   * the committer's filtered direct path (§4.1.2), and ts-mls 1.6.4 derives the
   * commit_secret one step further than §12.4.2 says (finding 3 in docs/interop.md).
   */
  async leavesLeftHalfBlank(removes = [], addCount = 0) {
    const tree = await this.currentTree();
    const gone = new Set([...this.pending.filter((p) => p.remove).map((p) => p.remove), ...removes]);
    const adds = addCount + this.pending.filter((p) => p.add).length;
    const occupied = new Set(leafIdentities(tree).filter(([, id]) => !gone.has(id)).map(([i]) => i));
    let width = (tree.length + 1) / 2;
    const blank = (from, to) => { for (let i = from; i < to; i += 1) if (occupied.has(i)) return false; return true; };
    while (width > 1 && blank(width / 2, width)) width /= 2;
    for (let k = 0; k < adds; k += 1) {
      let leaf = 0;
      while (occupied.has(leaf)) leaf += 1;
      occupied.add(leaf);
      while (leaf >= width) width *= 2;
    }
    return width > 1 && blank(0, width / 2);
  }

  /** currentTree returns the group's ratchet tree as ts-mls decodes it. */
  async currentTree() {
    const ts = this.byKind('ts-mls')[0];
    if (ts) return ts.state.ratchetTree;
    return decodeTree((await this.byKind('ztmeet')[0].groupInfo()).ratchetTree);
  }

  /** message sends one application message (PrivateMessage) to every other member. */
  async message(sender) {
    await this.deliver(await this.send(sender));
  }

  /** send has `sender` protect one application message; nobody receives it yet. */
  async send(sender) {
    const n = ++this.messages;
    const plaintext = text.encode(`message ${n} from ${sender.name} (${sender.kind})`);
    const aad = text.encode(`aad ${n}`);
    const ciphertext = await sender.protect(plaintext, aad);
    if (decodeMessage(ciphertext).wireformat !== 'mls_private_message') throw new Error('not a PrivateMessage');
    return { n, sender, plaintext, aad, ciphertext, receivers: this.live().filter((m) => m !== sender) };
  }

  /** deliver has every receiver of a sent message (still in the group) decrypt it. */
  async deliver({ n, sender, plaintext, aad, ciphertext, receivers }) {
    for (const m of receivers) {
      if (!this.members.has(m.name)) continue;
      let got;
      try {
        got = await m.unprotect(ciphertext);
      } catch (err) {
        throw new Error(`message ${n} ${sender.name}->${m.name}: ${m.kind} could not decrypt: ${err.message}`);
      }
      if (!bytesEqual(got.plaintext, plaintext) || !bytesEqual(got.aad, aad)) {
        throw new Error(`message ${n} ${sender.name}->${m.name}: got "${untext.decode(got.plaintext)}"`);
      }
    }
  }

  /** messageAll has every member send one message to all the others. */
  async messageAll() {
    for (const m of this.live()) await this.message(m);
  }

  /**
   * checkAgreement compares every member's epoch_authenticator (ts-mls exposes it in
   * its key schedule, ztmeet through StateAuth) and an MLS-Exporter value of this
   * epoch; for ts-mls members also the membership their trees show.
   */
  async checkAgreement(label) {
    const context = text.encode(label);
    const rows = [];
    for (const m of this.live()) {
      rows.push({ m, auth: hex(await m.epochAuthenticator()), exp: hex(await m.exportSecret(exportLabel, context, 32)) });
    }
    // An empty value would make "all equal" vacuous (a stack that exposes nothing).
    if (rows.some((r) => r.auth.length < 64 || r.exp.length !== 64)) {
      throw new Error(`after ${label}: a member returned an empty epoch authenticator or export`);
    }
    const differs = (key) => rows.some((r) => r[key] !== rows[0][key]);
    if (differs('auth') || differs('exp')) {
      const table = rows.map((r) => `  ${r.m.name} (${r.m.kind}): auth ${r.auth.slice(0, 16)} export ${r.exp.slice(0, 16)}`);
      throw new Error(`disagreement after ${label}:\n${table.join('\n')}`);
    }
    const expected = [...this.members.keys(), ...this.ghosts].sort().join(',');
    for (const m of this.byKind('ts-mls')) {
      const seen = leafIdentities(m.state.ratchetTree).map(([, id]) => id).sort().join(',');
      if (seen !== expected) throw new Error(`after ${label}: ${m.name}'s tree holds ${seen}, expected ${expected}`);
    }
    this.checks += 1;
  }
}

function describe(p) {
  if (p.add) return `${p.from}:add ${p.add.name}`;
  if (p.remove) return `${p.from}:remove ${p.remove}`;
  if (p.psk) return `${p.from}:psk ${untext.decode(p.psk)}`;
  if (p.extensions) return `${p.from}:extensions ${p.extensions.map((e) => e.type)}`;
  if (p.resumption !== undefined) return `${p.from}:resumption ${p.resumption}`;
  return `${p.from}:update`;
}

/** dumpTree prints a ratchet tree compactly (debugging aid, ZTM_TSMLS_DEBUG=1). */
function dumpTree(tree) {
  return tree.map((n, i) => {
    if (!n) return `  ${i}: _`;
    if (n.nodeType === 'leaf') return `  ${i}: leaf ${untext.decode(n.leaf.credential.identity)} ${hex(n.leaf.hpkePublicKey).slice(0, 8)} ${n.leaf.leafNodeSource}`;
    return `  ${i}: parent ${hex(n.parent.hpkePublicKey).slice(0, 8)} unmerged [${n.parent.unmergedLeaves}]`;
  }).join('\n');
}
