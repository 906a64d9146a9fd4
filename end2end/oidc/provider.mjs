// A real, certified OpenID Connect provider (npm's `oidc-provider`) for
// ScoreNow's tests and for a manual single sign-on demo. It listens on
// 127.0.0.1 (OIDC_PORT, 0: a free port) and prints one JSON line with its
// issuer. Accounts are fixed below (their login name is their id; any
// password), each like an Entra ID user: `tid`, app `roles`, `groups`.
//
// Besides the provider's own endpoints, for tests:
//   PUT  /test/users/<id>   replace an account's claims (JSON body)
//   PUT  /test/mischief     tamper with the next ID token: {"nonce": "x"},
//                           {"aud": "x"}, {"expired": true}, {"unknownKey": true}
//   POST /test/rotate-keys  sign with a new key from now on (the old one
//                           stays published), as a provider's key rotation
//   GET  /test/stats        how often the key set and the token endpoint were asked
//
// Settings (environment): OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
// OIDC_REDIRECT_URIS and OIDC_POST_LOGOUT_REDIRECT_URIS (comma-separated),
// OIDC_TENANT_ID (the accounts' `tid`).

import http from "node:http";
import { randomUUID } from "node:crypto";
import Provider from "oidc-provider";
import * as jose from "jose";

const env = process.env;
const clientId = env.OIDC_CLIENT_ID ?? "scorenow";
const clientSecret = env.OIDC_CLIENT_SECRET ?? "scorenow-oidc-demo-secret";
const list = (text, fallback) => (text ?? fallback).split(",").map((item) => item.trim()).filter(Boolean);
const redirectUris = list(env.OIDC_REDIRECT_URIS, "http://127.0.0.1:3000/auth/oidc/callback");
const postLogoutRedirectUris = list(env.OIDC_POST_LOGOUT_REDIRECT_URIS, "http://127.0.0.1:3000/login");
const tenant = env.OIDC_TENANT_ID ?? "11111111-2222-3333-4444-555555555555";

/** The accounts, by login name: claims as Entra ID would send them. */
const account = (name, email, roles, extra = {}) => ({ name, email, roles, tid: tenant, ...extra });
const users = {
  admin: account("Ada Admin", "ada.admin@contoso.example", ["ScoreNow.Admin"]),
  analyst: account("Alan Analyst", "alan.analyst@contoso.example", ["ScoreNow.Analyst"]),
  reader: account("Rita Reader", "rita.reader@contoso.example", ["ScoreNow.Reader"]),
  norole: account("Nora Norole", "nora.norole@contoso.example", []),
  outsider: account("Oscar Outsider", "oscar@fabrikam.example", ["ScoreNow.Admin"], { tid: "99999999-8888-7777-6666-555555555555" }),
  // Too many groups for a token: Entra sends a pointer to Graph instead ("groups overage").
  overage: {
    name: "Olga Overage",
    email: "olga.overage@contoso.example",
    tid: tenant,
    _claim_names: { groups: "src1" },
    _claim_sources: { src1: { endpoint: "https://graph.microsoft.com/v1.0/users/olga/getMemberObjects" } },
  },
};

async function newKey() {
  const { privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid: randomUUID(), alg: "RS256", use: "sig" };
}

let keys = [await newKey()];
let mischief = null;
const stats = { jwks: 0, token: 0 };

/** Re-signs the ID token of a token answer as `mischief` says. */
async function tamper(body) {
  const [, payloadPart] = body.id_token.split(".");
  const payload = JSON.parse(Buffer.from(payloadPart, "base64url").toString());
  const now = Math.floor(Date.now() / 1000);
  if (mischief.nonce) payload.nonce = mischief.nonce;
  if (mischief.aud) payload.aud = mischief.aud;
  if (mischief.expired) Object.assign(payload, { iat: now - 7200, exp: now - 3600 });
  const key = mischief.unknownKey ? await newKey() : keys[0];
  body.id_token = await new jose.SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: key.kid })
    .sign(await jose.importJWK(key, "RS256"));
  mischief = null;
}

function buildProvider(issuer) {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
    }],
    jwks: { keys },
    pkce: { required: () => true },
    claims: { openid: ["sub", "tid", "roles", "groups"], profile: ["name"], email: ["email"] },
    // Claims go into the ID token, as Entra ID puts app roles there.
    conformIdTokenClaims: false,
    findAccount: async (ctx, id) => users[id] && {
      accountId: id,
      claims: async () => ({ sub: id, ...users[id] }),
    },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ["scorenow-test-provider-cookie-key"] },
    ttl: { AuthorizationCode: 60, IdToken: 600, AccessToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  provider.use(async (ctx, next) => {
    if (ctx.path === "/jwks") stats.jwks += 1;
    if (ctx.path === "/token") stats.token += 1;
    await next();
    if (ctx.path === "/token" && ctx.status === 200 && mischief && ctx.body?.id_token) await tamper(ctx.body);
  });
  return provider;
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The provider's sign-in page: a login name (any password). */
function signInPage(res, uid, client) {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><html lang="en"><head><title>Test identity provider</title></head><body>
<h1>Sign in to ${escape(client)}</h1>
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Username</label> <input id="login" name="login" autocomplete="off">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Sign in</button>
</form><p>Accounts: ${Object.keys(users).map(escape).join(", ")}</p></body></html>`);
}

async function readBody(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

let provider;
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://localhost");
    const interaction = url.pathname.match(/^\/interaction\/([^/]+)$/);
    if (interaction && req.method === "GET") {
      const details = await provider.interactionDetails(req, res);
      return signInPage(res, details.uid, details.params.client_id);
    }
    if (interaction && req.method === "POST") {
      const details = await provider.interactionDetails(req, res);
      const login = new URLSearchParams(await readBody(req)).get("login")?.trim();
      if (!users[login]) return signInPage(res, details.uid, details.params.client_id);
      const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      return await provider.interactionFinished(req, res, { login: { accountId: login }, consent: { grantId } });
    }
    const user = url.pathname.match(/^\/test\/users\/([^/]+)$/);
    if (user && req.method === "PUT") {
      users[user[1]] = JSON.parse(await readBody(req));
      return res.writeHead(204).end();
    }
    if (url.pathname === "/test/mischief" && req.method === "PUT") {
      mischief = JSON.parse(await readBody(req));
      return res.writeHead(204).end();
    }
    if (url.pathname === "/test/rotate-keys" && req.method === "POST") {
      keys = [await newKey(), keys[0]];
      provider = buildProvider(provider.issuer);
      return res.writeHead(204).end();
    }
    if (url.pathname === "/test/stats") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(stats));
    }
    return provider.callback()(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error));
  }
});

server.listen(Number(env.OIDC_PORT ?? 0), "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = buildProvider(issuer);
  console.log(JSON.stringify({ issuer, client_id: clientId }));
});
