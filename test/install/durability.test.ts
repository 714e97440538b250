import IORedis from 'ioredis';
import { createLogger } from '../../src/log';
import { checkDurability } from '../../src/main/services';
import { startLocalRedis, type LocalRedis } from '../../src/redis/local-server';
import { testRedis } from '../setup/redis';

describe('production Redis durability check', () => {
  const logger = createLogger({ level: 'silent' });
  let durable: LocalRedis;
  let durableClient: IORedis;
  let plain: IORedis;

  beforeAll(async () => {
    durable = await startLocalRedis({ appendOnly: true });
    durableClient = new IORedis(durable.url);
    plain = testRedis();
  });
  afterAll(async () => {
    await durableClient.quit();
    await plain.quit();
    await durable.stop();
  });

  it('rejects a Redis without the append-only file', async () => {
    await expect(checkDurability(plain, logger)).rejects.toThrow('appendonly=no');
  });

  it('accepts a Redis with the append-only file', async () => {
    await expect(checkDurability(durableClient, logger)).resolves.toBeUndefined();
  });
});
