export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
export { findPostgresBinaries, BINARY_PACKAGE_VERSION, type PostgresBinaries, type Unavailable } from './binaries';
export { isAlive, parentOf } from './process-state';
