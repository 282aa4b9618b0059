// The OpenID provider of the portal's browser tests (start-portal.sh runs it before the gateway): the test
// provider of test/oidc-server.ts on a fixed port, its client's callback at the portal's gateway. alice is in
// the scientists' group, ines in the water agency's.
import { startOidcProvider } from '../oidc-server.js';

const port = Number(process.env['HYSOPE_UI_OIDC_PORT'] ?? 8093);
const portal = process.env['HYSOPE_UI_PORTAL_URL'] ?? 'http://127.0.0.1:8092';
const idp = await startOidcProvider({ port, redirectUris: [`${portal}/portal/callback`] });
idp.groups.set('alice', ['hydro-scientists']);
idp.groups.set('ines', ['agency']);
console.log(`OpenID provider at ${idp.issuer}`);
process.on('SIGTERM', () => void idp.stop().then(() => process.exit(0)));
