import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ImageClaims } from '../image-claims.js';
import type { QueuedJobData } from './bullmq-job-queue.js';
import type { RedisKeys } from './redis-connection.js';

// Renew or delete only a claim this process still holds (its lease may have run out and another taken it).
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Image claims as Redis keys (SET NX PX, one owner token per process), and helpers recruited as
 * BullMQ jobs on the queue the workers already take jobs from: any idle worker picks one up and
 * claims images of the job until none is left unclaimed.
 */
export class RedisImageClaims implements ImageClaims {
  private readonly owner = randomUUID();

  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
    private readonly queue: Queue<QueuedJobData>,
    readonly leaseMs: number,
  ) {}

  async claim(jobId: string, imageIndex: number): Promise<boolean> {
    return (await this.client.set(this.keys.imageClaim(jobId, imageIndex), this.owner, 'PX', this.leaseMs, 'NX')) === 'OK';
  }

  async renew(jobId: string, imageIndex: number): Promise<void> {
    await this.client.eval(RENEW, 1, this.keys.imageClaim(jobId, imageIndex), this.owner, String(this.leaseMs));
  }

  async release(jobId: string, imageIndex: number): Promise<void> {
    await this.client.eval(RELEASE, 1, this.keys.imageClaim(jobId, imageIndex), this.owner);
  }

  async recruit(jobId: string, imageId: string, helpers: number): Promise<void> {
    const stamp = Date.now();
    await this.queue.addBulk(
      Array.from({ length: helpers }, (_, n) => ({
        name: 'attribution-helper',
        data: { jobId, imageId, helper: true },
        // Unique per recruitment: a lead that resumes recruits afresh.
        opts: { jobId: `${jobId}-help-${stamp}-${n}`, attempts: 1, removeOnComplete: true, removeOnFail: { age: 3600 } },
      })),
    );
  }
}
