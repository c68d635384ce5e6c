// An independent, certified OpenID Provider (oidc-provider) on loopback for
// oauth-core's interop tests. It listens on 127.0.0.1 on a port the OS picks
// and prints one JSON line, {"issuer": "http://127.0.0.1:PORT",
// "client_keys": {...}}, on stdout once it is ready: the issuer, and the
// private keys of the `private-key-jwt` client. Everything else it says
// goes to stderr.
//
// Run by hand with `node server.js`; the Rust interop tests start it
// themselves. Its clients and the test user are listed below, and the Rust
// tests (`tests/interop/main.rs`) use the same values.

import { X509Certificate, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { join } from 'node:path';

import Provider from 'oidc-provider';

// The user the dev sign-in page accepts (any password); other logins are
// not found, so the sign-in page comes back.
const TEST_USER = { sub: 'alice', name: 'Alice Liddell', email: 'alice@example.test' };

// Registered redirect URI of the web clients. Nothing listens there: the
// tests stop at the redirect's Location.
const WEB_REDIRECT = 'http://127.0.0.1/callback';
const ALL_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
const SCOPE = 'openid offline_access profile email api:read api:write';

// The signing keys of the `private-key-jwt` client, made at each start. The
// tests are handed the private halves in the ready line (as JWK and as
// PKCS#8 PEM); the server knows the public halves.
function clientKey(type, options, kid, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return {
    kid,
    alg,
    jwk: { ...privateKey.export({ format: 'jwk' }), kid },
    pkcs8: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    public: { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}
const CLIENT_KEYS = {
  rsa: clientKey('rsa', { modulusLength: 2048 }, 'client-rsa', 'RS256'),
  ec: clientKey('ec', { namedCurve: 'P-256' }, 'client-ec', 'ES256'),
  ed: clientKey('ed25519', {}, 'client-ed', 'EdDSA'),
};

const clients = [
  {
    // Signed client authentication with a private key (RFC 7523 §2.2):
    // any of three keys, one per algorithm.
    client_id: 'private-key-jwt',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: Object.values(CLIENT_KEYS).map((key) => key.public) },
    redirect_uris: [WEB_REDIRECT],
    grant_types: ALL_GRANTS,
    scope: SCOPE,
  },
  {
    // Signed client authentication with the secret (HS256), which is
    // never sent.
    client_id: 'client-secret-jwt',
    client_secret: 'a-shared-secret-long-enough-for-hs256-0123456789',
    token_endpoint_auth_method: 'client_secret_jwt',
    redirect_uris: [WEB_REDIRECT],
    grant_types: ALL_GRANTS,
    scope: SCOPE,
  },
  {
    // Confidential, secret in HTTP Basic (RFC 6749 §2.3.1).
    client_id: 'confidential-basic',
    client_secret: 'basic-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [WEB_REDIRECT],
    grant_types: ALL_GRANTS,
    scope: SCOPE,
  },
  {
    // Confidential, secret in the form body.
    client_id: 'confidential-post',
    client_secret: 'post-secret',
    token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: [WEB_REDIRECT],
    grant_types: ALL_GRANTS,
    scope: SCOPE,
  },
  {
    // Confidential, with a secret that HTTP Basic must form-encode.
    client_id: 'special-secret',
    client_secret: 'p@ss w:rd/+%&=?',
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [WEB_REDIRECT],
    grant_types: ['client_credentials'],
    // Narrower than the others: asking for api:write is invalid_scope.
    scope: 'api:read',
  },
  {
    // Public: no secret, PKCE required, refresh tokens rotate.
    client_id: 'public-pkce',
    token_endpoint_auth_method: 'none',
    redirect_uris: [WEB_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: SCOPE,
  },
  {
    // Native (RFC 8252): any port on the loopback redirect URI.
    client_id: 'native-app',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: SCOPE,
  },
  {
    // Public, its tokens bound to a DPoP key (RFC 9449); its refresh
    // tokens too, as a public client's are.
    client_id: 'dpop-public',
    token_endpoint_auth_method: 'none',
    dpop_bound_access_tokens: true,
    redirect_uris: [WEB_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: SCOPE,
  },
  {
    // Takes authorization requests only pushed (RFC 9126).
    client_id: 'par-required',
    client_secret: 'par-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    require_pushed_authorization_requests: true,
    redirect_uris: [WEB_REDIRECT],
    grant_types: ALL_GRANTS,
    scope: SCOPE,
  },
  {
    // Device authorization grant (RFC 8628), public.
    client_id: 'device-client',
    token_endpoint_auth_method: 'none',
    redirect_uris: [],
    response_types: [],
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    scope: SCOPE,
  },
];

function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return {
    keys: [
      { ...rsa, kid: 'rsa-1', use: 'sig', alg: 'RS256' },
      { ...ec, kid: 'ec-1', use: 'sig', alg: 'ES256' },
    ],
  };
}

const seconds = (n) => () => n;

function configuration() {
  return {
    clients,
    jwks: signingKeys(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read', 'api:write'],
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email'],
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      deviceFlow: { enabled: true },
      // DPoP (RFC 9449), with server nonces required: every client that
      // sends proofs must take the nonce and try again once.
      dPoP: {
        enabled: true,
        nonceSecret: randomBytes(32),
        requireNonce: () => true,
      },
    },
    // A refresh token rotates for public clients (oidc-provider's default
    // policy does so too); for confidential ones it stays.
    rotateRefreshToken(ctx) {
      return ctx.oidc.entities.Client.clientAuthMethod === 'none';
    },
    async findAccount(_ctx, sub) {
      if (sub !== TEST_USER.sub) {
        return undefined;
      }
      return {
        accountId: sub,
        async claims() {
          return { ...TEST_USER };
        },
      };
    },
    ttl: {
      AccessToken: seconds(3600),
      AuthorizationCode: seconds(60),
      ClientCredentials: seconds(600),
      DeviceCode: seconds(600),
      Grant: seconds(3600),
      IdToken: seconds(3600),
      Interaction: seconds(600),
      RefreshToken: seconds(86400),
      Session: seconds(3600),
    },
  };
}

// With INTEROP_TLS_DIR (the tests' mutual TLS suite), the server listens
// with TLS and asks for client certificates (rfc 8705): the directory holds
// its key and certificate, the CA that signs client certificates, and a
// client's self-signed certificate, all made by the test.
const TLS_DIR = process.env.INTEROP_TLS_DIR;

function tlsFiles() {
  const read = (name) => readFileSync(join(TLS_DIR, name), 'utf8');
  return {
    key: read('server-key.pem'),
    cert: read('server.pem'),
    ca: read('ca.pem'),
    selfSigned: read('self-signed.pem'),
  };
}

const pem = (der) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;

function mutualTls(config, files) {
  const selfSigned = new X509Certificate(files.selfSigned);
  const selfSignedJwk = {
    ...selfSigned.publicKey.export({ format: 'jwk' }),
    x5c: [selfSigned.raw.toString('base64')],
  };
  config.clients.push(
    {
      // A certificate from the CA, named by its subject (tls_client_auth).
      client_id: 'mtls-ca',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=mtls-client',
      tls_client_certificate_bound_access_tokens: true,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: SCOPE,
    },
    {
      // A self-signed certificate, registered (self_signed_tls_client_auth).
      client_id: 'mtls-self-signed',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [selfSignedJwk] },
      tls_client_certificate_bound_access_tokens: true,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: SCOPE,
    },
  );
  config.clientAuthMethods = [
    'client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt', 'none',
    'tls_client_auth', 'self_signed_tls_client_auth',
  ];
  config.features.mTLS = {
    enabled: true,
    certificateBoundAccessTokens: true,
    tlsClientAuth: true,
    selfSignedTlsClientAuth: true,
    getCertificate(ctx) {
      const peer = ctx.socket.getPeerCertificate();
      return peer && peer.raw ? pem(peer.raw) : undefined;
    },
    certificateAuthorized(ctx) {
      return ctx.socket.authorized;
    },
    certificateSubjectMatches(ctx, property, expected) {
      const peer = ctx.socket.getPeerCertificate();
      return property === 'tls_client_auth_subject_dn' && `CN=${peer.subject.CN}` === expected;
    },
  };
  return config;
}

const files = TLS_DIR ? tlsFiles() : undefined;
const server = files
  ? createTlsServer({
    key: files.key, cert: files.cert, ca: files.ca, requestCert: true, rejectUnauthorized: false,
  })
  : createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `${files ? 'https' : 'http'}://127.0.0.1:${port}`;
  const config = files ? mutualTls(configuration(), files) : configuration();
  const provider = new Provider(issuer, config);
  provider.on('server_error', (_ctx, err) => {
    process.stderr.write(`oidc-provider server error: ${err.stack}\n`);
  });
  server.on('request', provider.callback());
  const clientKeys = Object.fromEntries(
    Object.entries(CLIENT_KEYS).map(([name, key]) => [name, { jwk: key.jwk, pkcs8: key.pkcs8 }]),
  );
  process.stdout.write(`${JSON.stringify({ issuer, client_keys: clientKeys })}\n`);
});

// A reader that went away is no reason to crash mid-test.
process.stdout.on('error', () => {});

// The tests kill this process when they are done; also stop when the parent
// closes our stdin, so no server outlives a crashed test run.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
