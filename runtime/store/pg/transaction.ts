// One transaction on a pooled client. Two pg details it hides from every store operation:
// - pg-pool listens for errors only on idle clients; a checked-out client whose connection dies between queries
//   emits 'error' with no listener, which would crash the process. One is attached for the whole checkout.
// - A client that failed in an unknown state (connection lost, a client-side query timeout with the statement
//   possibly still running, a failed ROLLBACK) must not go back to the pool: release(err) destroys it.
import type pg from "pg";

// What pg rejects a query with when the pool's query_timeout (the client-side bound) expires.
const CLIENT_TIMEOUT = "Query read timeout";

export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => (lost ??= err);
  client.on("error", onError);
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (e) {
    // No ROLLBACK on a dead or timed-out connection: it would wait out another bound; ending the session rolls back.
    if (lost || (e as Error).message === CLIENT_TIMEOUT) broken = e as Error;
    else await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw e;
  } finally {
    client.off("error", onError);
    client.release(lost ?? broken);
  }
}
