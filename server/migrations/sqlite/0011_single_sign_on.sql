-- Single sign-on through OpenID Connect.
-- An account made by a sign-in at the identity provider carries the
-- provider's issuer and subject (`<issuer>#<sub>`); local accounts have none.
-- Its password hash is empty, which no password matches.
ALTER TABLE users ADD COLUMN sso_subject TEXT;
CREATE UNIQUE INDEX users_sso_subject ON users (sso_subject);

-- Sign-ins in progress at the provider, by a hash of their `state`: bound to
-- the browser that started them (a hash of its cookie), with the PKCE
-- verifier and nonce sealed, and the local path to return to. Used once.
CREATE TABLE sso_logins (
    state_hash     TEXT PRIMARY KEY NOT NULL,
    browser_hash   TEXT NOT NULL,
    sealed_secrets BLOB NOT NULL,
    next           TEXT NOT NULL,
    expires_at     INTEGER NOT NULL
) STRICT;
