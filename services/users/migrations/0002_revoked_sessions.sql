-- migration: compatible
-- (A new table only: the release before this one runs unchanged against it.)
--
-- Sessions ended before their access tokens ran out: a logout, a password
-- change, an account deletion or a reused refresh token revokes the token
-- family, and its id (the `sid` claim of the family's access tokens) is
-- listed here in the same transaction. AuthService.ListRevokedSessions
-- serves the rows in position order to every verifier, which then refuses
-- those tokens. A row is needed only until the family's last access token
-- has expired (expire_time), and is pruned after that.
CREATE TABLE revoked_sessions (
  position    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id  uuid NOT NULL,
  revoke_time timestamptz NOT NULL,
  expire_time timestamptz NOT NULL
);
CREATE INDEX revoked_sessions_expire_time_idx ON revoked_sessions (expire_time);
