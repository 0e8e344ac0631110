// One clock for the time-left texts of a page, ticking every 30 s (no timer per row).
import { onBeforeUnmount, onMounted, ref } from 'vue'

export function useNow(everyMs = 30_000) {
  const now = ref(new Date())
  let timer: ReturnType<typeof setInterval> | undefined
  onMounted(() => {
    timer = setInterval(() => (now.value = new Date()), everyMs)
  })
  onBeforeUnmount(() => clearInterval(timer))
  return now
}
