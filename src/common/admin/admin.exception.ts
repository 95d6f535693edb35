export enum AdminErrorCode {
  NotFound = 'not_found',
  Conflict = 'conflict',
  InvalidInput = 'invalid_request',
  Unauthorized = 'unauthorized',
  TooManyRequests = 'too_many_requests',
}

/** A failure of the admin API, mapped to HTTP by adminErrorStatus. */
export class AdminException extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    /** Field-by-field reasons for InvalidInput. */
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
    this.name = 'AdminException';
  }
}

export function adminErrorStatus(code: AdminErrorCode): number {
  switch (code) {
    case AdminErrorCode.NotFound:
      return 404;
    case AdminErrorCode.Conflict:
      return 409;
    case AdminErrorCode.InvalidInput:
      return 400;
    case AdminErrorCode.Unauthorized:
      return 401;
    case AdminErrorCode.TooManyRequests:
      return 429;
    default:
      return assertUnreachable(code);
  }
}

function assertUnreachable(x: never): never {
  throw new Error(`unhandled admin error code ${String(x)}`);
}

export const notFound = (what: string) => new AdminException(AdminErrorCode.NotFound, `${what} not found`);
export const conflict = (message: string) => new AdminException(AdminErrorCode.Conflict, message);
export const invalidInput = (field: string, reason: string) =>
  new AdminException(AdminErrorCode.InvalidInput, `${field}: ${reason}`, { [field]: [reason] });
