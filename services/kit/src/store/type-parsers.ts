import { types as pgTypes, type CustomTypesConfig } from 'pg';

/**
 * The same SQL returns the same JS types on both backends:
 *
 * | column type                   | JS value                            |
 * |-------------------------------|-------------------------------------|
 * | int2, int4, oid, float4/8     | number                              |
 * | int8 (bigint, count(*))       | string, exact beyond 2^53           |
 * | numeric                       | string, exact                       |
 * | bool                          | boolean                             |
 * | timestamptz                   | Date                                |
 * | timestamp (no time zone)      | Date, read in the process time zone |
 * | date                          | string 'YYYY-MM-DD'                 |
 * | interval                      | string as Postgres prints it        |
 * | json, jsonb                   | parsed value                        |
 * | bytea                         | Buffer                              |
 * | text, varchar, uuid, …        | string                              |
 * | arrays of the above           | arrays of the element's JS type     |
 *
 * Both backends parse these types with the same functions, pg's own, so they
 * agree by construction rather than by testing every case. pg's defaults are
 * kept except where they would be inexact or misleading: a date is a calendar
 * day, not an instant (pg's Date for it is local midnight), numeric[] would
 * lose precision as numbers, and interval becomes an object only pg has.
 *
 * PGlite's own defaults differ, which is why they are replaced: int8 is a
 * number below 2^53 and a bigint above it (one column, two types), bytea is a
 * Uint8Array, date is a UTC-midnight Date. Types outside this table
 * (ranges, geometric types, …) keep each backend's default and may differ.
 */
const identity = (value: string): string => value;

/** pgDefault is pg's own parser for a type; oid is typed as a plain number because pg's TypeId enum lists no array types. */
const pgDefault = (oid: number, format: 'text' | 'binary' = 'text'): ((value: string) => unknown) => pgTypes.getTypeParser(oid, format);

const parseTextArray = pgDefault(1009) as (value: string) => string[];

// OIDs from pg_type; they are fixed across PostgreSQL versions.
const OVERRIDES: Record<number, (value: string) => unknown> = {
  20: identity, // int8: already pg's default, pinned against a global pg.types.setTypeParser elsewhere.
  1016: parseTextArray, // int8[]
  1082: identity, // date
  1182: parseTextArray, // date[]
  1186: identity, // interval
  1187: parseTextArray, // interval[]
  1700: identity, // numeric
  1231: parseTextArray, // numeric[]
};

/** getTypeParser is pg's type parser lookup with the overrides above. */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  const override = format === 'binary' ? undefined : OVERRIDES[oid];
  return override ?? pgDefault(oid, format);
}

/**
 * postgresTypes is the per-pool type configuration for pg. It is passed to
 * the Pool instead of calling pg.types.setTypeParser, which would change
 * every pg user in the process.
 */
export const postgresTypes: CustomTypesConfig = {
  getTypeParser: getTypeParser as CustomTypesConfig['getTypeParser'],
};

// Every type in the table above, scalars and their arrays.
const SHARED_TYPES = [
  16, 17, 20, 21, 23, 26, 114, 700, 701, 1082, 1114, 1184, 1186, 1700, 3802,
  1000, 1001, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1028, 1115, 1182, 1185, 1187, 1231, 199, 2951, 3807,
];

/**
 * pgliteParsers returns the parsers to install on a PGlite instance: pg's,
 * for every shared type. They must be assigned to `pglite.parsers` after
 * start-up; passed as options, PGlite would replace the array ones with its
 * own array parser.
 */
export function pgliteParsers(): Record<number, (value: string) => unknown> {
  return Object.fromEntries(SHARED_TYPES.map((oid) => [oid, getTypeParser(oid, 'text')]));
}
