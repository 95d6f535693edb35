export type Lang = 'en' | 'bg';
export const LANGS: readonly Lang[] = ['en', 'bg'];

const en = {
  deviceTitle: 'Sign in on a device',
  deviceEnterCode: 'Enter the code your device shows.',
  deviceCode: 'Code',
  deviceNext: 'Continue',
  deviceConfirm: 'wants to sign in as you on a device. Go on only if the device in front of you shows this code:',
  deviceScopes: 'It asks for',
  deviceApprove: 'Allow',
  deviceDeny: 'Deny',
  deviceUnknownCode: 'This code is not valid, or it has expired or been used. Check it, or start again on the device.',
  deviceApproved: 'Done. You can return to your device.',
  deviceDenied: 'The device was not signed in.',
  signInTitle: 'Sign in',
  signInTo: 'to continue to',
  username: 'Username or email',
  password: 'Password',
  signIn: 'Sign in',
  or: 'or',
  signInWithErpNetId: 'Sign in with ERP.net ID',
  invalidCredentials: 'The username or password is incorrect.',
  missingCredentials: 'Enter your username and password.',
  userNotAllowed: 'Your account cannot sign in to this application. Contact your administrator.',
  sessionExpired: 'The sign-in request has expired. Return to the application and start again.',
  csrfFailed: 'The form expired or was sent from another page. Please try again.',
  tooManyRequests: 'Too many attempts from your network or for this account. Please wait a little while, then try again.',
  tooManyRequestsTitle: 'Please wait',
  errorTitle: 'Something went wrong',
  errorCode: 'Error',
  serviceUnavailable: 'The service is temporarily unavailable. Please try again in a moment.',
  continueTitle: 'Continuing…',
  continueHint: 'JavaScript is off: press Continue to return to the application.',
  continue: 'Continue',
  signedInTitle: 'You are signed in',
  signedInAs: 'Signed in as',
  logoutTitle: 'Sign out',
  logoutQuestion: 'Do you want to sign out?',
  logoutConfirm: 'Sign out',
  loggedOutTitle: 'You are signed out',
  loggedOutText: 'You have been signed out of every application that used this sign-in.',
  return: 'Return to the application',
  createAccount: 'Create an ERP.net ID',
  forgotPassword: 'Forgot your password?',
  registerTitle: 'Create your ERP.net ID',
  registerIntro: 'One personal account for every ERP.net service.',
  fullName: 'Full name',
  email: 'Email',
  newPasswordHint: 'At least 8 characters; not a common password, and not your email.',
  phone: 'Phone (optional)',
  language: 'Default language',
  company: 'Company (optional)',
  registrationMessage: 'Message (optional)',
  register: 'Create account',
  haveAccount: 'Already have an ERP.net ID? Sign in',
  registeredTitle: 'Check your email',
  registeredText: 'We sent a link to confirm your email address. You can sign in already; your email shows as unverified until you follow the link.',
  verifiedTitle: 'Email confirmed',
  verifiedText: 'Thank you: your email address is confirmed.',
  verifyTitle: 'Confirm your email address',
  verifyIntro: 'Enter the password of your ERP.net ID to confirm that this email address is yours. If you did not create an ERP.net ID, close this page: nobody can use the address until it is confirmed, and you can take the account over with "Forgot your password?".',
  confirmEmail: 'Confirm',
  linkInvalid: 'This link is invalid, already used, or expired.',
  forgotTitle: 'Reset your password',
  forgotIntro: 'Enter the email of your account and we will send you a link to choose a new password.',
  sendLink: 'Send link',
  forgotSentText: 'If an account uses that email, a link to reset its password is on its way.',
  resetTitle: 'Choose a new password',
  newPassword: 'New password',
  savePassword: 'Save password',
  resetDoneText: 'Your password has been changed. You can sign in with it now.',
  profileTitle: 'Your ERP.net ID',
  saveProfile: 'Save',
  profileSaved: 'Your details are saved.',
  changePasswordTitle: 'Change password',
  currentPassword: 'Current password',
  changePassword: 'Change password',
  passwordChanged: 'Your password has been changed.',
  wrongPassword: 'The current password is incorrect.',
  emailUnverified: 'not confirmed',
  resendVerification: 'Send the confirmation link again',
  signOut: 'Sign out',
  fieldInvalid: 'Check the highlighted fields.',
  signInWith: 'Sign in with',
  externalNoMatch: 'No active user of this instance has the email of that ERP.net ID, or it is not allowed to use this application.',
  externalUnverified: 'Confirm the email of your ERP.net ID first, then try again.',
  externalFailed: 'Signing in with the external provider failed. Please try again.',
  mailVerifySubject: 'Confirm your ERP.net ID email',
  mailVerifyBody: 'Open this link and enter your password to confirm the email address of your ERP.net ID. If you did not create one, ignore this message:',
  mailResetSubject: 'Reset your ERP.net ID password',
  mailResetBody: 'Open this link to choose a new password for your ERP.net ID. If you did not ask for it, ignore this message.',
  mailExistsSubject: 'Your ERP.net ID',
  mailExistsBody: 'Someone tried to create an ERP.net ID with this email, which already has one. If it was you, you can reset your password here:',
};

export type Messages = typeof en;

const bg: Messages = {
  deviceTitle: 'Вход на устройство',
  deviceEnterCode: 'Въведете кода, показан на устройството.',
  deviceCode: 'Код',
  deviceNext: 'Продължи',
  deviceConfirm: 'иска да влезе от ваше име на устройство. Продължете само ако устройството пред вас показва този код:',
  deviceScopes: 'Иска достъп до',
  deviceApprove: 'Разреши',
  deviceDeny: 'Откажи',
  deviceUnknownCode: 'Кодът не е валиден, изтекъл е или вече е използван. Проверете го или започнете отново от устройството.',
  deviceApproved: 'Готово. Можете да се върнете към устройството.',
  deviceDenied: 'Устройството не беше вписано.',
  signInTitle: 'Вход',
  signInTo: 'за да продължите към',
  username: 'Потребителско име или имейл',
  password: 'Парола',
  signIn: 'Вход',
  or: 'или',
  signInWithErpNetId: 'Вход с ERP.net ID',
  invalidCredentials: 'Потребителското име или паролата са грешни.',
  missingCredentials: 'Въведете потребителско име и парола.',
  userNotAllowed: 'Вашият акаунт няма достъп до това приложение. Свържете се с администратора.',
  sessionExpired: 'Заявката за вход е изтекла. Върнете се в приложението и опитайте отново.',
  csrfFailed: 'Формулярът е изтекъл или е изпратен от друга страница. Опитайте отново.',
  tooManyRequests: 'Твърде много опити от вашата мрежа или за този акаунт. Изчакайте малко и опитайте отново.',
  tooManyRequestsTitle: 'Моля, изчакайте',
  errorTitle: 'Възникна грешка',
  errorCode: 'Грешка',
  serviceUnavailable: 'Услугата е временно недостъпна. Моля, опитайте отново след малко.',
  continueTitle: 'Продължаване…',
  continueHint: 'JavaScript е изключен: натиснете „Продължи“, за да се върнете в приложението.',
  continue: 'Продължи',
  signedInTitle: 'Влезли сте',
  signedInAs: 'Влезли сте като',
  logoutTitle: 'Изход',
  logoutQuestion: 'Искате ли да излезете?',
  logoutConfirm: 'Изход',
  loggedOutTitle: 'Излязохте',
  loggedOutText: 'Излязохте от всички приложения, които използваха този вход.',
  return: 'Обратно към приложението',
  createAccount: 'Създайте ERP.net ID',
  forgotPassword: 'Забравена парола?',
  registerTitle: 'Създайте своя ERP.net ID',
  registerIntro: 'Един личен акаунт за всички услуги на ERP.net.',
  fullName: 'Име и фамилия',
  email: 'Имейл',
  newPasswordHint: 'Поне 8 знака; не често срещана парола и не имейлът ви.',
  phone: 'Телефон (по избор)',
  language: 'Език по подразбиране',
  company: 'Фирма (по избор)',
  registrationMessage: 'Съобщение (по избор)',
  register: 'Създаване на акаунт',
  haveAccount: 'Вече имате ERP.net ID? Вход',
  registeredTitle: 'Проверете имейла си',
  registeredText: 'Изпратихме връзка за потвърждение на имейла. Можете вече да влезете; имейлът ви ще е непотвърден, докато не отворите връзката.',
  verifiedTitle: 'Имейлът е потвърден',
  verifiedText: 'Благодарим: имейлът ви е потвърден.',
  verifyTitle: 'Потвърдете имейла си',
  verifyIntro: 'Въведете паролата на своя ERP.net ID, за да потвърдите, че този имейл е ваш. Ако не сте създавали ERP.net ID, затворете страницата: никой не може да използва адреса, докато не бъде потвърден, а вие можете да поемете акаунта чрез „Забравена парола?“.',
  confirmEmail: 'Потвърди',
  linkInvalid: 'Връзката е невалидна, вече използвана или изтекла.',
  forgotTitle: 'Нова парола',
  forgotIntro: 'Въведете имейла на акаунта си и ще ви изпратим връзка за избор на нова парола.',
  sendLink: 'Изпрати връзка',
  forgotSentText: 'Ако има акаунт с този имейл, изпратихме връзка за нова парола.',
  resetTitle: 'Изберете нова парола',
  newPassword: 'Нова парола',
  savePassword: 'Запази паролата',
  resetDoneText: 'Паролата ви е сменена. Вече можете да влезете с нея.',
  profileTitle: 'Вашият ERP.net ID',
  saveProfile: 'Запази',
  profileSaved: 'Данните ви са запазени.',
  changePasswordTitle: 'Смяна на парола',
  currentPassword: 'Текуща парола',
  changePassword: 'Смени паролата',
  passwordChanged: 'Паролата ви е сменена.',
  wrongPassword: 'Текущата парола е грешна.',
  emailUnverified: 'непотвърден',
  resendVerification: 'Изпрати отново връзката за потвърждение',
  signOut: 'Изход',
  fieldInvalid: 'Проверете отбелязаните полета.',
  signInWith: 'Вход с',
  externalNoMatch: 'Няма активен потребител на тази инстанция с имейла на този ERP.net ID или той няма достъп до приложението.',
  externalUnverified: 'Първо потвърдете имейла на своя ERP.net ID и опитайте отново.',
  externalFailed: 'Входът чрез външния доставчик не успя. Опитайте отново.',
  mailVerifySubject: 'Потвърдете имейла на своя ERP.net ID',
  mailVerifyBody: 'Отворете тази връзка и въведете паролата си, за да потвърдите имейла на своя ERP.net ID. Ако не сте създавали такъв, не обръщайте внимание на това съобщение:',
  mailResetSubject: 'Нова парола за ERP.net ID',
  mailResetBody: 'Отворете тази връзка, за да изберете нова парола за своя ERP.net ID. Ако не сте я поискали, пренебрегнете това съобщение.',
  mailExistsSubject: 'Вашият ERP.net ID',
  mailExistsBody: 'Някой се опита да създаде ERP.net ID с този имейл, който вече има акаунт. Ако сте били вие, можете да смените паролата си тук:',
};

const MESSAGES: Record<Lang, Messages> = { en, bg };

export function messages(lang: Lang): Messages {
  return MESSAGES[lang];
}

/**
 * The page language: the first supported tag of ui_locales (OIDC Core §3.1.2.1), else of the
 * browser's Accept-Language (by q-value), else English.
 */
export function pickLang(uiLocales: string | undefined, acceptLanguage: string | undefined): Lang {
  for (const tag of (uiLocales ?? '').split(' ')) {
    const lang = supported(tag);
    if (lang) return lang;
  }
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { tag, q: q ? Number(q) : 1, i };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    const lang = supported(tag);
    if (lang) return lang;
  }
  return 'en';
}

function supported(tag: string): Lang | undefined {
  const primary = tag.trim().toLowerCase().split('-')[0];
  return (LANGS as readonly string[]).includes(primary) ? (primary as Lang) : undefined;
}
