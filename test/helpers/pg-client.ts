import pg from 'pg';

/** One connection to `url` for `fn`, closed afterwards whatever happens (tests and the fleet bench). */
export async function onServer<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
