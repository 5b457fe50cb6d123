import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { connectLab } from './lab/connect';
import { setLabHost } from './lab/labHost';

/** Hands the user a file as a browser download (browser mode; under Electron too, until a save dialog is wired). */
function downloadFile(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function start(): Promise<void> {
  const root = document.getElementById('app');
  try {
    const lab = await connectLab();
    setLabHost({
      lab,
      saveFile: downloadFile,
      every: (intervalMs, action) => {
        const timer = window.setInterval(action, intervalMs);
        return () => window.clearInterval(timer);
      },
    });
  } catch (error) {
    if (root !== null) root.textContent = `caplab could not reach the lab: ${error instanceof Error ? error.message : String(error)}. In browser mode, open the address \`caplab serve\` printed (it carries the token).`;
    return;
  }
  createApp(App).use(createPinia()).mount('#app');
}

void start();
