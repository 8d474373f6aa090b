-- migration: compatible
-- (A new table only: the release before this one runs unchanged against it;
-- it keeps using the users table's lockout columns, which stay.)
--
-- Failed logins per account and client address, for the growing delays of
-- src/domain/login-throttle.ts. email_hash is the SHA-256 of the lower-cased
-- email as typed, so an unknown email is throttled exactly like a known one
-- and no email is stored twice; address is the client address the call came
-- from (the gateway's x-forwarded-for, or the gRPC peer). Rows are forgotten
-- after LOGIN_FAILURE_WINDOW without a failure.
CREATE TABLE login_failures (
  email_hash      text NOT NULL,
  address         text NOT NULL,
  failed_count    integer NOT NULL,
  last_failed_at  timestamptz NOT NULL,
  next_attempt_at timestamptz,
  PRIMARY KEY (email_hash, address)
);
CREATE INDEX login_failures_last_failed_at_idx ON login_failures (last_failed_at);
