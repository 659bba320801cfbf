// ts_member.mjs — ts-mls group members (in this process) and the authentication
// service they use.
import { importPeer } from './peers.mjs';

const ts = await importPeer('ts-mls');
const { defaultClientConfig } = await importPeer('ts-mls/clientConfig.js');
const { encodeRatchetTree, decodeRatchetTree } = await importPeer('ts-mls/ratchetTree.js');
const nist = await importPeer('@noble/curves/nist.js');

export { ts };

/**
 * workarounds says whether the runner bends ts-mls 1.6.4 around the deviations from
 * RFC 9420 it found (docs/interop.md "Against ts-mls", findings). `--strict` turns
 * them off, which makes the findings reproducible.
 */
export const workarounds = { enabled: true };

// ts-mls 1.6.4 makes ECDSA signature keys with noble's getPublicKey(), which returns
// a compressed SEC1 point; RFC 9420 §5.1.1 requires the UncompressedPointRepresentation
// of RFC 8446, and ztmeet (rightly) refuses the compressed form. The workaround gives
// ts-mls a key pair with the uncompressed public key through its own
// generateKeyPackageWithKey(); ts-mls verifies with either form.
const ecdsaCurves = { P256: nist.p256, P384: nist.p384, P521: nist.p521 };

/** ecdsaCurveOf returns noble's curve of a suite's ECDSA signature, or undefined. */
export const ecdsaCurveOf = (impl) => ecdsaCurves[ts.getCiphersuiteFromName(impl.name).signature];

const text = new TextEncoder();
const untext = new TextDecoder('utf-8', { fatal: true });
export const hex = (b) => Buffer.from(b).toString('hex');

/**
 * Directory is the runner's authentication service (RFC 9420 §5.3.1): it knows every
 * member it enrolled by identity and the one signature key bound to it. ts-mls's own
 * default accepts any credential; this one accepts a credential only if it is basic,
 * its identity is enrolled and its signature key is the enrolled one. The runner
 * enrolls a member when it creates its KeyPackage (ztmeet's CreateKeyPackage, ts-mls's
 * generateKeyPackage) or, for a group ztmeet creates, from the creator's leaf read
 * from ztmeet directly — never from a message that travels through the group.
 */
export class Directory {
  constructor() {
    this.keys = new Map(); // identity string -> signature public key hex
    this.rejections = 0;
  }

  enroll(identity, signaturePublicKey) {
    this.keys.set(identity, hex(signaturePublicKey));
  }

  /** enrollKeyPackage enrolls the identity and key of a KeyPackage MLSMessage. */
  enrollKeyPackage(keyPackageMessage) {
    const kp = decodeMessage(keyPackageMessage, 'mls_key_package').keyPackage;
    const cred = kp.leafNode.credential;
    if (cred.credentialType !== 'basic') throw new Error('not a basic credential');
    this.enroll(untext.decode(cred.identity), kp.leafNode.signaturePublicKey);
  }

  /** authService is the ts-mls AuthenticationService of this directory. */
  authService() {
    return {
      validateCredential: async (credential, signaturePublicKey) => {
        let ok = false;
        if (credential.credentialType === 'basic') {
          let identity = null;
          try { identity = untext.decode(credential.identity); } catch { identity = null; }
          ok = identity !== null && this.keys.get(identity) === hex(signaturePublicKey);
        }
        if (!ok) this.rejections += 1;
        return ok;
      },
    };
  }
}

/** decodeMessage decodes an MLSMessage and checks its wire format and that no bytes trail. */
export function decodeMessage(bytes, wireformat) {
  const decoded = ts.decodeMlsMessage(bytes, 0);
  if (decoded === undefined) throw new Error(`ts-mls could not decode a ${wireformat ?? 'message'}`);
  const [msg, end] = decoded;
  if (end !== bytes.length) throw new Error(`${bytes.length - end} bytes after the MLSMessage`);
  if (wireformat && msg.wireformat !== wireformat) throw new Error(`expected ${wireformat}, got ${msg.wireformat}`);
  return msg;
}

export function decodeTree(bytes) {
  const decoded = decodeRatchetTree(bytes, 0);
  if (decoded === undefined || decoded[1] !== bytes.length) throw new Error('ts-mls could not decode the ratchet tree');
  return decoded[0];
}

export const encodeTree = (tree) => encodeRatchetTree(tree);

/** leafIdentities lists [leafIndex, identity] of every non-blank leaf of a tree. */
export function leafIdentities(tree) {
  const out = [];
  for (let i = 0; i < tree.length; i += 2) {
    const node = tree[i];
    if (node && node.nodeType === 'leaf') out.push([i / 2, untext.decode(node.leaf.credential.identity)]);
  }
  return out;
}

const suiteNames = Object.fromEntries(Object.entries(ts.ciphersuites).map(([name, id]) => [id, name]));

/** loadSuite returns the ts-mls implementation of a suite, or throws why it cannot. */
export async function loadSuite(id) {
  const name = suiteNames[id];
  if (!name) throw new Error(`ts-mls does not know cipher suite ${id}`);
  return ts.getCiphersuiteImpl(ts.getCiphersuiteFromName(name));
}

/** TsMember is one ts-mls group member; `state` is its current ClientState. */
export class TsMember {
  constructor(name, impl, directory, publicHandshake) {
    this.kind = 'ts-mls';
    this.name = name;
    this.impl = impl;
    this.directory = directory;
    this.publicHandshake = publicHandshake;
    this.clientConfig = { ...defaultClientConfig, authService: directory.authService() };
    this.state = null;
    this.externalPsks = {}; // base64(psk_id) -> secret, as ts-mls's makePskIndex wants
    this.kp = null;
    this.keyPackage = null; // MLSMessage bytes
  }

  async makeKeyPackage() {
    const credential = { credentialType: 'basic', identity: text.encode(this.name) };
    const curve = ecdsaCurveOf(this.impl);
    if (curve && workarounds.enabled) {
      const { signKey, publicKey } = await this.impl.signature.keygen();
      const uncompressed = curve.Point.fromBytes(publicKey).toBytes(false);
      this.kp = await ts.generateKeyPackageWithKey(credential, ts.defaultCapabilities(), ts.defaultLifetime, [],
                                                   { signKey, publicKey: uncompressed }, this.impl);
    } else {
      this.kp = await ts.generateKeyPackage(credential, ts.defaultCapabilities(), ts.defaultLifetime, [], this.impl);
    }
    this.directory.enroll(this.name, this.kp.publicPackage.leafNode.signaturePublicKey);
    this.keyPackage = ts.encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: this.kp.publicPackage });
    return this.keyPackage;
  }

  async createGroup(groupId) {
    await this.makeKeyPackage();
    this.state = await ts.createGroup(groupId, this.kp.publicPackage, this.kp.privatePackage, [], this.impl,
                                      this.clientConfig);
  }

  async join(welcome, ratchetTree) {
    const w = decodeMessage(welcome, 'mls_welcome').welcome;
    const tree = ratchetTree ? decodeTree(ratchetTree) : undefined;
    this.state = await ts.joinGroup(w, this.kp.publicPackage, this.kp.privatePackage, this.pskIndex(), this.impl,
                                    tree, undefined, this.clientConfig);
    return this.epochAuthenticator();
  }

  /** groupInfo makes a GroupInfo with external_pub, the tree inside or beside it. */
  async groupInfo({ treeInGroupInfo = false } = {}) {
    const gi = treeInGroupInfo
      ? await ts.createGroupInfoWithExternalPubAndRatchetTree(this.state, [], this.impl)
      : await ts.createGroupInfoWithExternalPub(this.state, [], this.impl);
    return {
      groupInfo: ts.encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: gi }),
      ratchetTree: treeInGroupInfo ? null : encodeTree(this.state.ratchetTree),
    };
  }

  /** externalJoin joins by an external Commit (§12.4.3.2); returns the Commit. */
  async externalJoin(groupInfo, ratchetTree) {
    await this.makeKeyPackage();
    const gi = decodeMessage(groupInfo, 'mls_group_info').groupInfo;
    const tree = ratchetTree ? decodeTree(ratchetTree) : undefined;
    const r = await ts.joinGroupExternal(gi, this.kp.publicPackage, this.kp.privatePackage, false, this.impl, tree,
                                         this.clientConfig);
    this.state = r.newState;
    return ts.encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: r.publicMessage });
  }

  pskIndex() { return ts.makePskIndex(this.state ?? undefined, this.externalPsks); }

  async storePsk(pskId, secret) { this.externalPsks[Buffer.from(pskId).toString('base64')] = secret; }

  proposeExternalPsk(pskId) {
    const pskNonce = this.impl.rng.randomBytes(this.impl.kdf.size);
    return this.propose({ proposalType: 'psk', psk: { preSharedKeyId: { psktype: 'external', pskId, pskNonce } } });
  }

  proposeResumptionPsk(epoch) {
    const pskNonce = this.impl.rng.randomBytes(this.impl.kdf.size);
    const id = { psktype: 'resumption', usage: 'application', pskGroupId: this.state.groupContext.groupId,
                 pskEpoch: BigInt(epoch), pskNonce };
    return this.propose({ proposalType: 'psk', psk: { preSharedKeyId: id } });
  }

  /** proposeGroupContextExtensions proposes [{ type, data }] as the new extensions. */
  proposeGroupContextExtensions(extensions) {
    const names = Object.fromEntries(Object.entries(ts.defaultExtensionTypes).map(([k, v]) => [v, k]));
    const list = extensions.map((e) => ({ extensionType: names[e.type] ?? e.type, extensionData: e.data }));
    return this.propose({ proposalType: 'group_context_extensions', groupContextExtensions: { extensions: list } });
  }

  leafIndexOf(name) {
    const hit = leafIdentities(this.state.ratchetTree).find(([, id]) => id === name);
    if (!hit) throw new Error(`${name} is not in ${this.name}'s tree`);
    return hit[0];
  }

  /** propose sends a proposal; ts-mls keeps its own proposals for its next Commit. */
  async propose(proposal) {
    const r = await ts.createProposal(this.state, this.publicHandshake, proposal, this.impl);
    this.state = r.newState;
    return ts.encodeMlsMessage(r.message);
  }

  proposeAdd(keyPackage) {
    const kp = decodeMessage(keyPackage, 'mls_key_package').keyPackage;
    return this.propose({ proposalType: 'add', add: { keyPackage: kp } });
  }

  proposeRemove(name) {
    return this.propose({ proposalType: 'remove', remove: { removed: this.leafIndexOf(name) } });
  }

  /**
   * commit commits every proposal this member has received (ts-mls puts them all in
   * by reference) plus adds/removes by value. ts-mls gives a path when the
   * proposals require one (§12.4: always for an empty or a Remove/Update Commit);
   * it has no "force path" option for add-only Commits.
   */
  async commit({ adds = [], removes = [], ratchetTreeExtension = true }) {
    const extraProposals = [
      ...adds.map((kp) => ({ proposalType: 'add', add: { keyPackage: decodeMessage(kp, 'mls_key_package').keyPackage } })),
      ...removes.map((n) => ({ proposalType: 'remove', remove: { removed: this.leafIndexOf(n) } })),
    ];
    const r = await ts.createCommit({ state: this.state, cipherSuite: this.impl, pskIndex: this.pskIndex() },
                                    { extraProposals, ratchetTreeExtension, wireAsPublicMessage: this.publicHandshake });
    this.state = r.newState;
    return {
      commit: ts.encodeMlsMessage(r.commit),
      welcome: r.welcome ? ts.encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome }) : null,
      ratchetTree: encodeTree(this.state.ratchetTree),
    };
  }

  /** handle processes a proposal or Commit; returns false if the Commit removed us. */
  async handle(message) {
    const msg = decodeMessage(message);
    // ts-mls's processMessage() drops its PSK index for PrivateMessages (it passes
    // emptyPskIndex on), so a PSK Commit sent encrypted would fail; the runner calls
    // processPrivateMessage() itself, which takes the index.
    const r = msg.wireformat === 'mls_private_message'
      ? await ts.processPrivateMessage(this.state, msg.privateMessage, this.pskIndex(), this.impl, ts.acceptAll)
      : await ts.processMessage(msg, this.state, this.pskIndex(), ts.acceptAll, this.impl);
    if (r.kind !== 'newState') throw new Error('expected a handshake message, got application data');
    this.state = r.newState;
    return this.state.groupActiveState.kind !== 'removedFromGroup';
  }

  async protect(plaintext, aad) {
    const r = await ts.createApplicationMessage(this.state, plaintext, this.impl, aad);
    this.state = r.newState;
    return ts.encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage });
  }

  async unprotect(ciphertext) {
    const msg = decodeMessage(ciphertext, 'mls_private_message');
    const r = await ts.processMessage(msg, this.state, ts.emptyPskIndex, ts.acceptAll, this.impl);
    if (r.kind !== 'applicationMessage') throw new Error('expected application data');
    this.state = r.newState;
    return { plaintext: r.message, aad: msg.privateMessage.authenticatedData };
  }

  async epochAuthenticator() { return this.state.keySchedule.epochAuthenticator; }

  async exportSecret(label, context, length) {
    return ts.mlsExporter(this.state.keySchedule.exporterSecret, label, context, length, this.impl);
  }

  epoch() { return this.state.groupContext.epoch; }
}

// Array-indexed tree math of RFC 9420 §4.2 / Appendix C.
const level = (x) => { let k = 0; while ((x >> k) & 1) k += 1; return k; };
const parentOf = (x) => { const k = level(x); const b = (x >> (k + 1)) & 1; return (x | (1 << k)) ^ (b << (k + 1)); };

/**
 * unmergedLeavesProblem checks the unmerged_leaves rule of RFC 9420 §12.4.3.1 exactly
 * as written — each entry L of a parent P names a non-blank leaf below P, and every
 * non-blank node strictly between L and P lists L too — and returns what breaks it,
 * or null. The runner uses it to decide who is wrong when ts-mls refuses a tree.
 */
export function unmergedLeavesProblem(tree) {
  for (let p = 1; p < tree.length; p += 2) {
    const node = tree[p];
    if (!node || node.nodeType !== 'parent') continue;
    for (const leaf of node.parent.unmergedLeaves) {
      const l = 2 * leaf;
      if (!tree[l] || tree[l].nodeType !== 'leaf') return `node ${p} lists blank leaf ${leaf}`;
      let x = l;
      const between = [];
      while (level(x) < level(p)) { x = parentOf(x); if (x !== p) between.push(x); }
      if (x !== p) return `node ${p} lists leaf ${leaf}, which is not below it`;
      for (const b of between) {
        const n = tree[b];
        if (n && !n.parent.unmergedLeaves.includes(leaf)) return `node ${b} between leaf ${leaf} and node ${p} does not list it`;
      }
    }
  }
  return null;
}
