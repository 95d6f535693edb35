export type Lang = 'en' | 'bg';
export const LANGS: readonly Lang[] = ['en', 'bg'];

const en = {
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
  errorTitle: 'Something went wrong',
  errorCode: 'Error',
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
};

export type Messages = typeof en;

const bg: Messages = {
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
  errorTitle: 'Възникна грешка',
  errorCode: 'Грешка',
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
