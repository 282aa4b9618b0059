/** Bad input: answered as 400 with what to fix. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}
/** A resource that does not exist (or that the caller may not see): 404. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
/** A request that conflicts with the current state: 409. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}
