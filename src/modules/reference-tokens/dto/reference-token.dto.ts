import { IsDefined, IsIn, IsISO8601, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { IsScopeList, Nullable, Optional } from '../../../common/validation/validators';
import { REFERENCE_TOKEN_KINDS, type ReferenceTokenKind } from '../reference-token.entity';

const APPLICATION_URI = /^[\x21-\x7E]{1,500}$/;
const LOGIN = /^[^\s,]{1,200}$/;
/** ExpiresAt is an instant: a date and time with a zone, never a local time. */
const WITH_ZONE = /T.*(Z|[+-]\d{2}:?\d{2})$/i;

/** POST …/reference-tokens */
export class ReferenceTokenCreateDto {
  @IsIn(REFERENCE_TOKEN_KINDS, { message: 'Kind must be PAT or SAT' })
  Kind: ReferenceTokenKind;

  @IsString() @Matches(APPLICATION_URI, { message: 'ApplicationUri must be 1-500 visible ASCII characters without spaces' })
  ApplicationUri: string;

  /** Required for a PAT; for a SAT, when given, it must be the application's SystemUser. */
  @ValidateIf((o: ReferenceTokenCreateDto) => o.Kind === 'PAT' || (o.UserLogin !== undefined && o.UserLogin !== null))
  @IsDefined({ message: 'UserLogin is required for a PAT' })
  @IsString() @Matches(LOGIN, { message: 'UserLogin must be 1-200 characters without spaces or commas' })
  UserLogin?: string | null;

  /**
   * Absent: the application's whole Scope. Present, at least one scope: an empty string is refused
   * rather than read as "everything" (or as "nothing").
   */
  @Optional() @IsScopeList() @Matches(/\S/, { message: 'Scope must name at least one scope; leave it out for the application\'s whole Scope' })
  Scope?: string;

  @IsDefined({ message: 'ExpiresAt is required' })
  @IsISO8601({ strict: true }, { message: 'ExpiresAt must be an ISO 8601 date and time' })
  @Matches(WITH_ZONE, { message: 'ExpiresAt must include a time and a zone (Z or ±hh:mm)' })
  ExpiresAt: string;

  @Nullable() @IsString() @MaxLength(500)
  Description?: string | null;
}
