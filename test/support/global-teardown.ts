export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as { __tactfulPg?: { stop(): Promise<void> } }).__tactfulPg;
  await pg?.stop();
}
