// @fastify/rate-limit ships no types for its store module.
declare module '@fastify/rate-limit/store/LocalStore' {
  export default class LocalStore {
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, cache?: number);
    incr(key: string, callback: (error: Error | null, result: { current: number; ttl: number }) => void, timeWindow: number, max: number): void;
  }
}
