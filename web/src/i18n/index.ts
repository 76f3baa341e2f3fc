// Chinese by default, English one click away; the choice is remembered per user (and, before
// sign-in, per browser). Each page registers its own strings with registerBundle, so a lazy
// page brings its words with it. Switching also switches dayjs (antd's pickers read it).
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { common } from "./common";
import { errors } from "./errors";

export type Lang = "zh" | "en";
export const LANGS: Lang[] = ["zh", "en"];
export interface Bundle {
  zh: Record<string, unknown>;
  en: Record<string, unknown>;
}

const BROWSER_KEY = "jmc.lang";
const userKey = (userId: string) => `jmc.lang.${userId}`;

function stored(key: string): Lang | null {
  try {
    const value = localStorage.getItem(key);
    return value === "zh" || value === "en" ? value : null;
  } catch {
    return null;
  }
}

function remember(key: string, lang: Lang): void {
  try {
    localStorage.setItem(key, lang);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

export function registerBundle(namespace: string, bundle: Bundle): void {
  for (const lang of LANGS) {
    if (!i18n.hasResourceBundle(lang, namespace)) i18n.addResourceBundle(lang, namespace, bundle[lang], true, true);
  }
}

function applyDocumentLang(lang: Lang): void {
  dayjs.locale(lang === "zh" ? "zh-cn" : "en");
  if (typeof document !== "undefined") document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

let currentUser: string | null = null;

export async function setLang(lang: Lang): Promise<void> {
  remember(BROWSER_KEY, lang);
  if (currentUser) remember(userKey(currentUser), lang);
  applyDocumentLang(lang);
  await i18n.changeLanguage(lang);
}

/** After sign-in: the user's own choice wins over the browser's. */
export async function applyUserLang(userId: string | null): Promise<void> {
  currentUser = userId;
  const lang = (userId && stored(userKey(userId))) || stored(BROWSER_KEY);
  if (lang && lang !== i18n.language) await setLang(lang);
}

export function currentLang(): Lang {
  return i18n.language === "en" ? "en" : "zh";
}

const initial: Lang = stored(BROWSER_KEY) ?? "zh";
applyDocumentLang(initial);
void i18n.use(initReactI18next).init({
  lng: initial,
  fallbackLng: "zh",
  defaultNS: "common",
  ns: ["common", "errors"],
  resources: {
    zh: { common: common.zh, errors: errors.zh },
    en: { common: common.en, errors: errors.en },
  },
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
