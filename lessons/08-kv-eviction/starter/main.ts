/**
 * Lesson 08: the lesson's entry point. The policies and the decode loop live in policy.ts; this
 * file exports them for the checks and the sweep. Nothing here costs anything.
 */
export { type Policy, decode, h2oKeep, sinkSlot } from './policy';
