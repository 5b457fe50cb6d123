// Component tests render single-file components on the server (@vue/server-renderer); the test
// project type-checks without Vue's SFC compiler, so it sees a component as any component.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<Record<string, unknown>, Record<string, unknown>, unknown>;
  export default component;
}
