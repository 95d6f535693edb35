import { IsBoolean, IsDefined, IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { USER_TYPES, type UserType } from '../user.entity';

const LOGIN = /^[^\s,]{1,200}$/;
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export class UserPatchDto {
  @IsOptional() @IsString() @Matches(LOGIN, { message: 'Login must be 1-200 characters without spaces or commas' })
  Login?: string;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsEmail({}, { message: 'Email must be an email address' }) @MaxLength(320)
  Email?: string | null;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200)
  Name?: string;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MinLength(8) @MaxLength(256)
  Password?: string | null;

  @IsOptional() @IsIn(USER_TYPES)
  UserType?: UserType;

  @IsOptional() @IsBoolean()
  IsAdmin?: boolean;

  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Matches(LOCALE, { message: 'Locale must be a language tag such as en-US or bg' })
  Locale?: string | null;

  @IsOptional() @IsBoolean()
  EmailVerified?: boolean;

  @IsOptional() @IsBoolean()
  Active?: boolean;

  /** Only `false`: lifts a sign-in lockout at once (an account locks by itself; to bar a user, set Active to false). */
  @IsOptional() @IsIn([false], { message: 'Locked can only be set to false (unlock); set Active to false to bar a user' })
  Locked?: false;
}

export class UserCreateDto extends UserPatchDto {
  // ValidateIf replaces the @IsOptional() inherited from UserPatchDto.Login (class-validator keeps a parent's
  // decorator unless the child has one of the same kind), which let a body without Login through to the database.
  @ValidateIf(() => true) @IsDefined({ message: 'Login is required' }) @IsString() @Matches(LOGIN, { message: 'Login must be 1-200 characters without spaces or commas' })
  override Login: string;
}
