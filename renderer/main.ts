// The Vue interface arrives with its own issue; until then the window says what the lab is.
const root = document.getElementById('app');
if (root !== null) {
  root.textContent = 'caplab: the lab interface is not built yet. Use `npx caplab --help` meanwhile.';
}
