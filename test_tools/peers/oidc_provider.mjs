// oidc_provider.mjs: a real OpenID Connect provider (npm oidc-provider 9.x) on
// loopback for ztmeet's sso-01 tests (../../../shared/PEERS.md, "OIDC identity
// provider"). One confidential client (client_secret_post, authorization code +
// PKCE S256), the development login/consent pages (devInteractions: any password),
// and a fixed set of users whose email claims are verified.
//
//   node oidc_provider.mjs --port 4000 --issuer http://127.0.0.1:4000 \
//     --client-id acme-ca --client-secret s3cret \
//     --redirect-uri https://127.0.0.1:14000/sso/callback \
//     --user alice@example.test --user bob@example.test [--es256]
//
// A login name must be one of the --user emails; it becomes both "sub" and "email".
// With --es256 the ID tokens are signed with a fresh EC P-256 key (ES256) instead of
// the provider's generated RSA development key (RS256). Prints "ready <issuer>"
// once it listens.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

function parseArgs(argv) {
  const out = { users: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i];
    const value = argv[i + 1];
    switch (name) {
      case '--port': out.port = Number(value); i += 1; break;
      case '--issuer': out.issuer = value; i += 1; break;
      case '--client-id': out.clientId = value; i += 1; break;
      case '--client-secret': out.clientSecret = value; i += 1; break;
      case '--redirect-uri': out.redirectUri = value; i += 1; break;
      case '--user': out.users.push(value); i += 1; break;
      case '--es256': out.es256 = true; break;
      default: throw new Error(`unknown argument ${name}`);
    }
  }
  for (const key of ['port', 'issuer', 'clientId', 'clientSecret', 'redirectUri']) {
    if (!out[key]) throw new Error(`missing --${key}`);
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const users = new Set(args.users);

const configuration = {
  clients: [{
    client_id: args.clientId,
    client_secret: args.clientSecret,
    redirect_uris: [args.redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: args.es256 ? 'ES256' : 'RS256',
  }],
  async findAccount(ctx, sub) {
    if (!users.has(sub)) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: sub, email_verified: true, name: sub.split('@')[0] };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The ID token carries the email itself (not only the userinfo endpoint).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  // Throwaway cookie signing keys: this IdP lives for one test.
  cookies: { keys: [generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('hex')] },
};

if (args.es256) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  configuration.jwks = { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'es256-test', alg: 'ES256', use: 'sig' }] };
}

const provider = new Provider(args.issuer, configuration);
// devInteractions' login accepts any name: refuse the ones we do not know here, so
// a login for an unknown user fails like it would at a real IdP.
provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path.startsWith('/interaction/')) {
    const body = await new Promise((resolve) => {
      let data = '';
      ctx.req.on('data', (chunk) => { data += chunk; });
      ctx.req.on('end', () => resolve(data));
    });
    const form = new URLSearchParams(body);
    if (form.get('prompt') === 'login' && !users.has(form.get('login'))) {
      ctx.status = 403;
      ctx.body = 'unknown user';
      return;
    }
    // Hand the consumed body to oidc-provider's own parser.
    ctx.req.body = Object.fromEntries(form);
  }
  await next();
});

const server = http.createServer(provider.callback());
server.listen(args.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${args.issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
