/**
 * crash-writer is the child process of pglite-durability.test.ts: it commits
 * rows 1..count one transaction at a time into the PGlite directory given as
 * the first argument, then kills itself with SIGKILL in the middle of one
 * more transaction, the way an OOM kill or a crash would end it.
 */
import { createPgliteDatabase } from '../pglite';

async function main(): Promise<void> {
  const [dataDir, countArg] = process.argv.slice(2);
  if (!dataDir || !countArg) throw new Error('usage: crash-writer <dataDir> <count>');
  const db = await createPgliteDatabase({ dataDir });
  await db.query('CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY)');
  for (let id = 1; id <= Number(countArg); id++) {
    await db.transaction((tx) => tx.query('INSERT INTO orders VALUES ($1)', [id]));
  }
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO orders VALUES ($1)', [-1]);
    process.kill(process.pid, 'SIGKILL');
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
