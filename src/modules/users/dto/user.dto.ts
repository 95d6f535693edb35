import { IsBoolean, IsDefined, IsEmail, IsIn, IsNotEmpty, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { IsNfc, Nullable, Optional } from '../../../common/validation/validators';
import { USER_TYPES, type UserType } from '../user.entity';

/** No spaces, commas, control or invisible formatting characters (a zero-width space would make a look-alike). */
const LOGIN = /^[^\s,\p{Cc}\p{Cf}]{1,200}$/u;
const LOGIN_MESSAGE = 'Login must be 1-200 characters without spaces, commas, control or invisible characters';
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export class UserPatchDto {
  @Optional() @IsString() @Matches(LOGIN, { message: LOGIN_MESSAGE }) @IsNfc()
  Login?: string;

  @Nullable() @IsEmail({}, { message: 'Email must be an email address' }) @MaxLength(320)
  Email?: string | null;

  @Optional() @IsString() @IsNotEmpty() @MaxLength(200)
  Name?: string;

  @Nullable() @IsString() @MinLength(8) @MaxLength(256)
  Password?: string | null;

  @Optional() @IsIn(USER_TYPES)
  UserType?: UserType;

  @Optional() @IsBoolean()
  IsAdmin?: boolean;

  @Nullable() @IsString() @Matches(LOCALE, { message: 'Locale must be a language tag such as en-US or bg' })
  Locale?: string | null;

  @Optional() @IsBoolean()
  EmailVerified?: boolean;

  @Optional() @IsBoolean()
  Active?: boolean;

  /** Only `false`: lifts a sign-in lockout at once (an account locks by itself; to bar a user, set Active to false). */
  @Optional() @IsIn([false], { message: 'Locked can only be set to false (unlock); set Active to false to bar a user' })
  Locked?: false;
}

export class UserCreateDto extends UserPatchDto {
  // ValidateIf replaces the @Optional() inherited from UserPatchDto.Login (class-validator keeps a parent's
  // decorator unless the child has one of the same kind), which let a body without Login through to the database.
  @ValidateIf(() => true) @IsDefined({ message: 'Login is required' }) @IsString() @Matches(LOGIN, { message: LOGIN_MESSAGE }) @IsNfc()
  override Login: string;
}
