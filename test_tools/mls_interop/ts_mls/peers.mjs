// peers.mjs — loads the npm packages this runner needs from test_tools/peers.
//
// Why not NODE_PATH: Node ignores NODE_PATH for ES module `import`s. Why not a second
// package.json here: test_tools/peers is the one npm project scripts/install-deps
// installs (one lockfile, one `npm install`), so the runner resolves every package
// through a require() rooted there and imports the file it resolves to. Moving the
// runner or running it from any directory keeps working.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** repoRoot is the ztmeet checkout this file lives in (three levels up). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const peersDir = path.join(repoRoot, 'test_tools', 'peers');
const requireFromPeers = createRequire(path.join(peersDir, 'package.json'));

/** importPeer imports an installed package (or a subpath it exports) by name. */
export async function importPeer(specifier) {
  let resolved;
  try {
    resolved = requireFromPeers.resolve(specifier);
  } catch (err) {
    throw new Error(`${specifier} is not installed in ${peersDir}: run scripts/install-deps ` +
                    `(or npm install there) — ${err.message}`);
  }
  return import(pathToFileURL(resolved).href);
}
