// A real OpenID Connect provider for Stretch's sign-in tests: panva's oidc-provider with one
// confidential client, a few accounts read from a JSON file, and small login and consent pages.
// Never used in production.
//
// Environment (set by tests/oidc_provider/fixture.py):
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET  the one client
//   OIDC_REDIRECT_URIS                  comma-separated redirect URIs of that client
//   OIDC_ACCOUNTS_FILE                  JSON: {"<sub>": {"password": "...", "claims": {...}}}
//                                       read again at every sign-in, so a test may change
//                                       a person's claims between two sign-ins
//   OIDC_PORT                           port on 127.0.0.1 (0: any free port)
// Prints one line "listening <issuer>" once it accepts connections.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`provider: ${name} is not set`);
    process.exit(2);
  }
  return value;
};

const clientId = env("OIDC_CLIENT_ID");
const clientSecret = env("OIDC_CLIENT_SECRET");
const redirectUris = env("OIDC_REDIRECT_URIS").split(",").filter(Boolean);
const accountsFile = env("OIDC_ACCOUNTS_FILE");

const readAccounts = () => JSON.parse(readFileSync(accountsFile, "utf8"));

const accountByLogin = (login) => {
  const accounts = readAccounts();
  for (const [sub, account] of Object.entries(accounts)) {
    const claims = account.claims || {};
    if (login === sub || login === claims.preferred_username || login === claims.email) {
      return { sub, ...account };
    }
  }
  return null;
};

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const page = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · Test provider</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

const loginPage = (uid, error = "") =>
  page(
    "Sign in to the test provider",
    `${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label for="login">Username</label><input id="login" name="login" autofocus required>
  <label for="password">Password</label><input id="password" name="password" type="password" required>
  <button type="submit">Sign in</button>
</form>`,
  );

const consentPage = (uid, clientName, scopes) =>
  page(
    "Authorize",
    `<p>${escape(clientName)} asks for: ${scopes.map(escape).join(", ") || "previous authorization"}</p>
<form method="post" action="/interaction/${escape(uid)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Deny</button></form>`,
  );

const readBody = (req) =>
  new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      data += chunk;
      if (data.length > 100_000) reject(new Error("body too large"));
    });
    req.on("end", () => resolve(new URLSearchParams(data)));
    req.on("error", reject);
  });

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-key-1", use: "sig", alg: "RS256" };

let provider;
let providerCallback;

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  const html = (status, body) => {
    res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(body);
  };

  if (req.method === "GET" && !action) {
    if (prompt.name === "login") return html(200, loginPage(uid));
    const scopes = [...(prompt.details.missingOIDCScope || [])].filter((s) => s !== "openid");
    return html(200, consentPage(uid, params.client_id, scopes));
  }
  if (req.method !== "POST") return html(405, page("Not allowed", ""));

  if (action === "login") {
    const form = await readBody(req);
    const account = accountByLogin(form.get("login") || "");
    if (!account || account.password !== form.get("password")) {
      return html(401, loginPage(uid, "Wrong username or password."));
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
  }
  if (action === "confirm") {
    if (prompt.name !== "consent") return html(400, page("Nothing to confirm", ""));
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (action === "abort") {
    return provider.interactionFinished(
      req,
      res,
      { error: "access_denied", error_description: "The person declined to sign in." },
      { mergeWithLastSubmission: false },
    );
  }
  return html(404, page("Not found", ""));
}

const server = http.createServer(async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(req.url.split("?")[0]);
  if (!match) return providerCallback(req, res);
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (error) {
    res.writeHead(400, { "Content-Type": "text/html; charset=utf-8" });
    res.end(page("Sign-in failed", `<p>${escape(error.message)}</p>`));
  }
});

server.listen(Number(process.env.OIDC_PORT || 0), "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        client_name: "Stretch",
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
        id_token_signed_response_alg: "RS256",
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "given_name", "family_name", "preferred_username", "department"],
    },
    scopes: ["openid", "email", "profile"],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = readAccounts()[sub];
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...(account.claims || {}), sub }) };
    },
  });
  providerCallback = provider.callback();
  console.log(`listening ${issuer}`);
});

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
