import { IsEmail, IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { Optional } from '../../../common/validation/validators';
import { LANGS } from '../../session/i18n';

/** The ERP.net ID profile a person edits; registration asks for the same and more. */
export class ProfileFormDto {
  @IsString() @MinLength(1, { message: 'name' }) @MaxLength(200, { message: 'name' })
  name: string;

  @Optional() @IsString() @Matches(/^$|^\+?[0-9 ()\-.]{5,30}$/, { message: 'phone' })
  phone?: string;

  @Optional() @IsString() @IsIn(['', ...LANGS], { message: 'language' })
  language?: string;

  @Optional() @IsString() @MaxLength(200, { message: 'company' })
  company?: string;
}

/** The ERP.net ID registration form (CONTRACT.md names its inputs). */
export class RegisterFormDto extends ProfileFormDto {
  @IsEmail({}, { message: 'email' }) @MaxLength(320, { message: 'email' })
  email: string;

  @IsString() @MinLength(8, { message: 'password' }) @MaxLength(256, { message: 'password' })
  password: string;

  @Optional() @IsString() @MaxLength(2000, { message: 'message' })
  message?: string;
}

export class PasswordChangeFormDto {
  @IsString() @MinLength(1, { message: 'current_password' }) @MaxLength(1024, { message: 'current_password' })
  current_password: string;

  @IsString() @MinLength(8, { message: 'new_password' }) @MaxLength(256, { message: 'new_password' })
  new_password: string;
}
