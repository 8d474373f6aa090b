-- Accounts. Emails are stored trimmed and lower-cased, so the unique index
-- is case-insensitive by construction. password_hash is a PHC-style scrypt
-- string that carries its own parameters.
CREATE TABLE users (
  id                    uuid PRIMARY KEY,
  email                 text NOT NULL,
  display_name          text NOT NULL,
  password_hash         text NOT NULL,
  roles                 text[] NOT NULL,
  create_time           timestamptz NOT NULL,
  update_time           timestamptz NOT NULL,
  -- Failed-login bookkeeping for the lockout (see src/domain/login-throttle.ts).
  failed_login_count    integer NOT NULL DEFAULT 0,
  first_failed_login_at timestamptz,
  locked_until          timestamptz,
  CONSTRAINT users_email_key UNIQUE (email)
);

-- ListUsers pages newest first with a (create_time, id) keyset.
CREATE INDEX users_create_time_id_idx ON users (create_time DESC, id DESC);
-- email_prefix filters use LIKE 'prefix%', which needs pattern ops to use an index.
CREATE INDEX users_email_pattern_idx ON users (email text_pattern_ops);
-- The admin bootstrap asks whether any admin exists.
CREATE INDEX users_roles_idx ON users USING gin (roles);

-- One row per login: every refresh token descended from it shares the
-- family, and revoking the family revokes them all.
CREATE TABLE refresh_token_families (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  create_time timestamptz NOT NULL,
  revoke_time timestamptz,
  -- revoke_reason is 'logout', 'reuse', 'password_changed' or 'deleted'.
  revoke_reason text
);
CREATE INDEX refresh_token_families_user_idx ON refresh_token_families (user_id);

-- Refresh tokens, stored only as the SHA-256 of the token. A token is used
-- once: used_time is set when it is exchanged, and presenting it again
-- revokes its family.
CREATE TABLE refresh_tokens (
  token_hash  text PRIMARY KEY,
  family_id   uuid NOT NULL REFERENCES refresh_token_families (id) ON DELETE CASCADE,
  parent_hash text,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  issue_time  timestamptz NOT NULL,
  expire_time timestamptz NOT NULL,
  used_time   timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expire_time_idx ON refresh_tokens (expire_time);

-- Access token signing keys (see src/domain/key-rotation.ts). private_jwk is
-- the private JWK as JSON, sealed with JWT_KEY_ENCRYPTION_SECRET when one is
-- configured, and NULL for a key supplied through JWT_PRIVATE_KEY (its
-- private half stays in the secret store).
CREATE TABLE signing_keys (
  kid               text PRIMARY KEY,
  private_jwk       text,
  public_jwk        jsonb NOT NULL,
  created_at        timestamptz NOT NULL,
  activate_at       timestamptz NOT NULL,
  not_after_signing timestamptz,
  retire_at         timestamptz
);
