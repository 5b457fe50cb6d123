import { ref, watch } from 'vue';

export type Theme = 'light' | 'dark';

const storageKey = 'caplab.theme';

function initialTheme(): Theme {
  const saved = globalThis.localStorage?.getItem(storageKey);
  if (saved === 'light' || saved === 'dark') return saved;
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches === true ? 'dark' : 'light';
}

/** The app's theme: one for the whole window, remembered, and handed to the chart builders. */
const theme = ref<Theme>(initialTheme());

watch(
  theme,
  (value) => {
    document.documentElement.dataset.theme = value;
    globalThis.localStorage?.setItem(storageKey, value);
  },
  { immediate: true },
);

export function useTheme() {
  return {
    theme,
    toggle: () => {
      theme.value = theme.value === 'light' ? 'dark' : 'light';
    },
  };
}
