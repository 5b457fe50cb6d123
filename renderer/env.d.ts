// Plain `tsc -b` cannot read single-file components; vue-tsc (npm run typecheck:web) checks them in
// full and resolves the real files before this fallback.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
