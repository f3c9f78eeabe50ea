// The OpenID provider of the Bridge's OIDC tests: npm's certified oidc-provider on 127.0.0.1.
// Configured by one JSON argument: {"port", "modules", "clients": [...], "users": {id: claims}}.
// Logins go through oidc-provider's devInteractions form; only the listed users exist (any other
// account id finds no account). PKCE (S256) is required of every client.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const config = JSON.parse(process.argv[2]);
const entry = join(config.modules, 'oidc-provider', 'lib', 'index.js');
const { default: Provider } = await import(pathToFileURL(entry).href);

const issuer = `http://127.0.0.1:${config.port}`;
const provider = new Provider(issuer, {
  clients: config.clients,
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'groups'],
  cookies: { keys: ['slogate-test-cookie-key'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  findAccount: async (_ctx, id) => {
    const claims = config.users[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});
provider.on('server_error', (_ctx, error) => console.error('server_error', error));
const server = provider.listen(config.port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
