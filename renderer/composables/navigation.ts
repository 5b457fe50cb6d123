import { ref } from 'vue';

export type AppView = 'gallery' | 'lab' | 'results' | 'replay' | 'compare' | 'sweep' | 'swarm' | 'guarantees';

/** Which screen shows; one for the window. */
const view = ref<AppView>('gallery');

export function useNavigation() {
  return {
    view,
    go: (next: AppView) => {
      view.value = next;
    },
  };
}
