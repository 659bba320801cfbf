// ztmeet.mjs — starts `ztmeet mls-interop` and drives its members over the real gRPC
// service (the MLS working group's MLSClient interface, docs/interop.md).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { importPeer, repoRoot } from './peers.mjs';

// The proto is the working group's, kept once in shared/reference beside the repo;
// loading it at run time (never a copy) keeps the runner and the server on one text.
const protoPath = path.resolve(repoRoot, '..', 'shared', 'reference', 'mls-interop', 'mls_client.proto');

const startupTimeoutMs = 30000;
const rpcDeadlineMs = 60000;

/** ZtmeetServer is one `ztmeet mls-interop` child process and a gRPC client to it. */
export class ZtmeetServer {
  static async start(binary) {
    const grpc = await importPeer('@grpc/grpc-js');
    const protoLoader = await importPeer('@grpc/proto-loader');
    const definition = await protoLoader.load(protoPath, {
      keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
    });
    const proto = grpc.loadPackageDefinition(definition).mls_client;

    // Port 0: the server picks a free port and prints it, so two runs never race
    // for one port (docs/interop.md: "mls-interop listening on port N").
    const child = spawn(binary, ['mls-interop', '--listen', '127.0.0.1:0'],
                        { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 65536) stderr = stderr.slice(-32768); });
    const port = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`ztmeet did not report its port in ${startupTimeoutMs} ms`)),
                               startupTimeoutMs);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on port (\d+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`ztmeet exited before serving (code ${code}, signal ${signal}): ${stderr}`));
      });
      child.on('error', (err) => { clearTimeout(timer); reject(err); });
    });
    child.stdout.resume();
    const client = new proto.MLSClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    await new Promise((resolve, reject) =>
      client.waitForReady(Date.now() + startupTimeoutMs, (err) => (err ? reject(err) : resolve())));
    return new ZtmeetServer(child, client, port, () => stderr);
  }

  constructor(child, client, port, stderrTail) {
    this.child = child;
    this.client = client;
    this.port = port;
    this.stderrTail = stderrTail;
  }

  /** call makes one unary RPC; a gRPC error becomes an Error naming the RPC and status. */
  call(method, request) {
    return new Promise((resolve, reject) => {
      this.client[method](request, { deadline: Date.now() + rpcDeadlineMs }, (err, response) => {
        if (err) {
          const e = new Error(`ztmeet ${method}: ${err.code} ${err.details}`);
          e.grpcCode = err.code;
          reject(e);
        } else {
          resolve(response);
        }
      });
    });
  }

  alive() { return this.child.exitCode === null && this.child.signalCode === null; }

  /**
   * stop ends the child it started, by its own PID, and waits for it. Returns null
   * if it stopped cleanly, else what went wrong with its stderr's tail (a sanitizer
   * build reports leaks and errors at exit).
   */
  async stop() {
    this.client.close();
    if (this.alive()) {
      const exited = new Promise((resolve) => this.child.on('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    const { exitCode, signalCode } = this.child;
    if (exitCode === 0) return null;
    return `ztmeet exited with ${exitCode ?? signalCode}: ${this.stderrTail().slice(-12000)}`;
  }
}

const u8 = (b) => new Uint8Array(b);

/**
 * ZtMember is one ztmeet group member seen through the gRPC handles: `stateId` names
 * its current state; every epoch change moves it to the state the server returns.
 */
export class ZtMember {
  constructor(server, name, suite, encryptHandshake) {
    this.kind = 'ztmeet';
    this.server = server;
    this.name = name;
    this.suite = suite;
    this.encryptHandshake = encryptHandshake;
    this.stateId = 0;
    this.transactionId = 0;
    this.keyPackage = null; // MLSMessage bytes from CreateKeyPackage
  }

  async createGroup(groupId) {
    const r = await this.server.call('CreateGroup', {
      group_id: Buffer.from(groupId), cipher_suite: this.suite,
      encrypt_handshake: this.encryptHandshake, identity: Buffer.from(this.name),
    });
    this.stateId = r.state_id;
  }

  /** makeKeyPackage asks ztmeet for a KeyPackage (MLSMessage) of this member. */
  async makeKeyPackage() {
    const r = await this.server.call('CreateKeyPackage', {
      cipher_suite: this.suite, identity: Buffer.from(this.name),
    });
    this.transactionId = r.transaction_id;
    this.keyPackage = u8(r.key_package);
    return this.keyPackage;
  }

  async join(welcome, ratchetTree) {
    const r = await this.server.call('JoinGroup', {
      transaction_id: this.transactionId, welcome: Buffer.from(welcome),
      encrypt_handshake: this.encryptHandshake, identity: Buffer.from(this.name),
      ratchet_tree: Buffer.from(ratchetTree ?? []),
    });
    this.stateId = r.state_id;
    return u8(r.epoch_authenticator);
  }

  /**
   * groupInfo returns the GroupInfo MLSMessage (with external_pub) and, unless the
   * tree is in its ratchet_tree extension, the bare ratchet tree.
   */
  async groupInfo({ treeInGroupInfo = false } = {}) {
    const r = await this.server.call('GroupInfo', { state_id: this.stateId, external_tree: !treeInGroupInfo });
    return { groupInfo: u8(r.group_info), ratchetTree: r.ratchet_tree.length ? u8(r.ratchet_tree) : null };
  }

  /** externalJoin joins by an external Commit (§12.4.3.2); returns the Commit. */
  async externalJoin(groupInfo, ratchetTree) {
    const r = await this.server.call('ExternalJoin', {
      group_info: Buffer.from(groupInfo), ratchet_tree: Buffer.from(ratchetTree ?? []),
      encrypt_handshake: this.encryptHandshake, identity: Buffer.from(this.name), remove_prior: false, psks: [],
    });
    this.stateId = r.state_id;
    return u8(r.commit);
  }

  async proposeAdd(keyPackage) {
    const r = await this.server.call('AddProposal', { state_id: this.stateId, key_package: Buffer.from(keyPackage) });
    return u8(r.proposal);
  }

  async proposeRemove(name) {
    const r = await this.server.call('RemoveProposal', { state_id: this.stateId, removed_id: Buffer.from(name) });
    return u8(r.proposal);
  }

  /** storePsk gives this member (its current state or its pending KeyPackage) a PSK. */
  async storePsk(pskId, secret) {
    await this.server.call('StorePSK', {
      state_or_transaction_id: this.stateId || this.transactionId, psk_id: Buffer.from(pskId), psk_secret: Buffer.from(secret),
    });
  }

  async proposeExternalPsk(pskId) {
    const r = await this.server.call('ExternalPSKProposal', { state_id: this.stateId, psk_id: Buffer.from(pskId) });
    return u8(r.proposal);
  }

  async proposeResumptionPsk(epoch) {
    const r = await this.server.call('ResumptionPSKProposal', { state_id: this.stateId, epoch_id: String(epoch) });
    return u8(r.proposal);
  }

  /** proposeGroupContextExtensions proposes [{ type, data }] as the new extensions. */
  async proposeGroupContextExtensions(extensions) {
    const r = await this.server.call('GroupContextExtensionsProposal', {
      state_id: this.stateId,
      extensions: extensions.map((e) => ({ extension_type: e.type, extension_data: Buffer.from(e.data) })),
    });
    return u8(r.proposal);
  }

  async proposeUpdate() {
    const r = await this.server.call('UpdateProposal', { state_id: this.stateId });
    return u8(r.proposal);
  }

  /**
   * commit makes a Commit of the proposals `byReference` (proposal messages every
   * member has seen) plus `adds` (KeyPackage messages) and `removes` (identities) by
   * value. The member stays in its old epoch until applyOwnCommit.
   */
  async commit({ byReference = [], adds = [], removes = [], forcePath = false, externalTree = false }) {
    const byValue = [
      ...adds.map((kp) => ({ proposal_type: Buffer.from('add'), key_package: Buffer.from(kp) })),
      ...removes.map((n) => ({ proposal_type: Buffer.from('remove'), removed_id: Buffer.from(n) })),
    ];
    const r = await this.server.call('Commit', {
      state_id: this.stateId, by_reference: byReference.map((p) => Buffer.from(p)),
      by_value: byValue, force_path: forcePath, external_tree: externalTree,
    });
    return {
      commit: u8(r.commit),
      welcome: r.welcome.length ? u8(r.welcome) : null,
      ratchetTree: r.ratchet_tree.length ? u8(r.ratchet_tree) : null,
    };
  }

  async applyOwnCommit() {
    const r = await this.server.call('HandlePendingCommit', { state_id: this.stateId });
    this.stateId = r.state_id;
    return u8(r.epoch_authenticator);
  }

  /** handleCommit processes another member's Commit; returns false if it removed us. */
  async handleCommit(commit, proposals) {
    const r = await this.server.call('HandleCommit', {
      state_id: this.stateId, proposal: proposals.map((p) => Buffer.from(p)), commit: Buffer.from(commit),
    });
    this.stateId = r.state_id;
    return r.state_id !== 0;
  }

  async protect(plaintext, aad) {
    const r = await this.server.call('Protect', {
      state_id: this.stateId, authenticated_data: Buffer.from(aad), plaintext: Buffer.from(plaintext),
    });
    return u8(r.ciphertext);
  }

  async unprotect(ciphertext) {
    const r = await this.server.call('Unprotect', { state_id: this.stateId, ciphertext: Buffer.from(ciphertext) });
    return { plaintext: u8(r.plaintext), aad: u8(r.authenticated_data) };
  }

  async epochAuthenticator() {
    const r = await this.server.call('StateAuth', { state_id: this.stateId });
    return u8(r.state_auth_secret);
  }

  async exportSecret(label, context, length) {
    const r = await this.server.call('Export', {
      state_id: this.stateId, label, context: Buffer.from(context), key_length: length,
    });
    return u8(r.exported_secret);
  }
}
