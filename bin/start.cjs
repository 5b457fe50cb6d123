#!/usr/bin/env node
// `npm start` and `npm run dev`: the desktop app when Electron can run here, else the same lab
// in the browser (`caplab serve --open`), after one line saying why.
//
// Electron ≥ 42 downloads its binary on first use, not at install, and electron-vite reads
// node_modules/electron/path.txt directly, failing with "Electron uninstall" when it was never
// fetched. So Electron's own `install-electron` runs first: quick when the binary is there, a
// download otherwise. No internet, a proxy, a locked-down laptop, no display: browser mode.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { buildIfStale, electronViteCli, root } = require('./build.cjs');

const mode = process.argv[2] === 'dev' ? 'dev' : 'start';
/** A download that has not finished by then is given up (a proxy that swallows connections). */
const downloadTimeoutMs = Number(process.env.CAPLAB_ELECTRON_DOWNLOAD_TIMEOUT_S ?? 300) * 1000;

function say(line) {
  process.stdout.write(`caplab: ${line}\n`);
}

/** The first line of an error output that says something (not a stack frame). */
function firstReason(text) {
  const line = text
    .split('\n')
    .map((part) => part.trim())
    .find((part) => part !== '' && !part.startsWith('at ') && !/^Downloading Electron/i.test(part));
  return (line ?? '').replace(/^(Type|Request|Http)?Error:\s*/, '');
}

/** Runs Electron's installer; says it is downloading only when that takes a while (a real download). */
function installElectron(installer) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [installer], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const slow = setTimeout(() => say("downloading Electron's binary (once, about 100 MB)…"), 3000);
    const timeout = setTimeout(() => {
      child.kill();
      done({ status: null, timedOut: true, output });
    }, downloadTimeoutMs);
    child.on('error', (error) => done({ status: null, timedOut: false, output: error.message }));
    child.on('exit', (status) => {
      clearTimeout(slow);
      clearTimeout(timeout);
      done({ status, timedOut: false, output });
    });
  });
}

/** Why the desktop app cannot start here, or null when Electron's binary is (now) there. */
async function whyNoElectron() {
  if (process.env.CAPLAB_BROWSER_MODE === '1') return 'CAPLAB_BROWSER_MODE=1 asks for browser mode';
  let installer;
  try {
    installer = require.resolve('electron/install.js', { paths: [root] });
  } catch {
    return 'the electron package is not installed (run `npm install`)';
  }
  const result = await installElectron(installer);
  if (result.timedOut) return `Electron's binary did not download within ${downloadTimeoutMs / 1000} s`;
  if (result.status !== 0) {
    const reason = firstReason(result.output);
    return `Electron's binary could not be downloaded${reason === '' ? '' : ` (${reason})`}`;
  }
  if (electronViteCli() === null) return 'electron-vite is not installed (run `npm install`)';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'there is no display here ($DISPLAY and $WAYLAND_DISPLAY are unset)';
  return null;
}

/** Runs a child with this terminal, passing on Ctrl+C and kill signals, and exits as it exits. */
function runForwarding(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    say(`could not start ${path.basename(args[0] ?? command)}: ${error.message}`);
    process.exit(1);
  });
  return child;
}

function desktop() {
  const child = runForwarding(process.execPath, [electronViteCli(), mode === 'dev' ? 'dev' : 'preview']);
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) say(`the desktop app stopped (exit code ${code}); the same lab runs in a browser: npx caplab serve --open`);
    process.exit(code ?? 0);
  });
}

function browser(reason) {
  say(`${reason}: opening the lab in your browser instead (caplab serve --open)`);
  const failure = buildIfStale({ quiet: true });
  if (failure !== null) {
    process.stderr.write(`${failure}\n`);
    say('the interface could not be built (the output above says why)');
    process.exit(1);
  }
  const child = runForwarding(process.execPath, [path.join(__dirname, 'caplab.cjs'), 'serve', '--open']);
  child.on('exit', (code) => process.exit(code ?? 0));
}

void whyNoElectron().then((reason) => (reason === null ? desktop() : browser(reason)));
