// oauth4webapi.js — a dapp backend written with oauth4webapi (npm), the
// strict, spec-following OAuth client, against Localsigner:
// discovery (RFC 8414) → authorization code with PKCE S256 and state, the
// response checked with iss (RFC 9207) → token → the dapp API → refresh
// (rotation) → revocation (RFC 7009).
//
// Usage: node oauth4webapi.js ISSUER REDIRECT_URI
// The authorization request is sent with node:http, playing the browser
// (oauth4webapi leaves that step to the user agent; Node's fetch always
// says Sec-Fetch-Mode: cors, which Localsigner refuses for a prompt). The Go
// test approves it through the admin channel. Prints one JSON object.
'use strict';

const http = require('node:http');

const [issuerArg, redirectURI] = process.argv.slice(2);

// navigate GETs url like a browser's top-level navigation and returns the
// Location it is redirected to.
function navigate(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' } }, (res) => {
      res.resume();
      if (res.statusCode !== 302) {
        reject(new Error(`authorize answered ${res.statusCode}`));
        return;
      }
      resolve(res.headers.location);
    });
    req.on('error', reject);
  });
}

async function main() {
  const oauth = await import(require.resolve('oauth4webapi'));
  const insecure = { [oauth.allowInsecureRequests]: true }; // http on loopback
  const issuer = new URL(issuerArg);

  const as = await oauth.processDiscoveryResponse(issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  const client = { client_id: 'node-oauth4webapi' };
  const clientAuth = oauth.None();

  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const authURL = new URL(as.authorization_endpoint);
  authURL.search = new URLSearchParams({
    response_type: 'code', client_id: client.client_id, redirect_uri: redirectURI,
    scope: 'vote offline', state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }).toString();

  const callback = new URL(await navigate(authURL));
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectURI, verifier, insecure));

  const meResp = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL('/api/me', issuer),
    undefined, undefined, insecure);
  const me = await meResp.json();

  const refreshed = await oauth.processRefreshTokenResponse(as, client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, insecure));

  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token, insecure));

  process.stdout.write(JSON.stringify({
    issuer: as.issuer,
    username: tokens.username,
    scope: tokens.scope,
    token_type: tokens.token_type,
    access_token: tokens.access_token,
    refreshed_access_token: refreshed.access_token,
    rotated: refreshed.refresh_token !== tokens.refresh_token,
    me_status: meResp.status,
    me_name: me.name || me.user || '',
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`oauth4webapi flow failed: ${e && e.stack ? e.stack : e}\n${e && e.cause ? JSON.stringify(e.cause) : ''}\n`);
  process.exit(1);
});
