/** Errors raised for the learner, carrying where in their files the problem is. */
import type { LearnerError } from '../protocol';

export class LabError extends Error {
  constructor(readonly detail: LearnerError) {
    super(detail.message);
    this.name = 'LabError';
  }
}

/** A misuse of the lesson API: the message says what to do instead. */
export function apiError(message: string): LabError {
  return new LabError({ kind: 'api', message });
}
