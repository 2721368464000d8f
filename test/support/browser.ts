import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, with the network chatter this machine refuses turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** Opens a fresh browser context (its own cookies; a desktop window unless `options` say otherwise) and signs in through the login page. */
export async function signInPage(browser: Browser, baseUrl: string, email: string, password: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user-menu').waitFor();
  return page;
}

/**
 * Hands `listener` every Socket.IO packet the page receives, as text (`40…` a connection confirmed,
 * `42…` an event, `43…` an ack, `44…` a refusal), over long-polling (where a connection starts: a
 * response holds several, separated by `\x1e`) or WebSocket.
 */
export function onSocketIoPackets(page: Page, listener: (packet: string) => void): void {
  page.on('response', (response) => {
    if (!response.url().includes('/socket.io/')) return;
    void response.text().then(
      (body) => body.split('\x1e').forEach(listener),
      () => undefined,
    );
  });
  page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => listener(String(payload))));
}
