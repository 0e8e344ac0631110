import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import elEn from 'element-plus/es/locale/lang/en'
import zhCN from './zh-CN'
import en from './en'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
export const LOCALE_STORAGE_KEY = 'redgrid.locale'
export const messages = { 'zh-CN': zhCN, en }

function storage(): Storage | undefined {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : undefined
  } catch {
    return undefined
  }
}

/** The saved choice, else Chinese: the UI is zh-CN first whatever the browser says. */
export function initialLocale(store: Pick<Storage, 'getItem'> | undefined = storage()): Locale {
  const saved = store?.getItem(LOCALE_STORAGE_KEY)
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages,
})

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale
}

export function setLocale(l: Locale) {
  i18n.global.locale.value = l
  storage()?.setItem(LOCALE_STORAGE_KEY, l)
  if (typeof document !== 'undefined') document.documentElement.lang = l
}

/** Element Plus locale that follows the i18n locale. */
export const elementLocale = computed(() => (i18n.global.locale.value === 'en' ? elEn : elZhCn))
