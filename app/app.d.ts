// See https://svelte.dev/docs/kit/types#app.d.ts
import type { ErrorCode } from '$shared/errors.ts';

declare global {
  namespace App {
    interface Error {
      message: string;
      code?: ErrorCode;
    }
    // interface Locals {}
    // interface PageData {}
    // interface PageState {}
    // interface Platform {}
  }
}

export {};
