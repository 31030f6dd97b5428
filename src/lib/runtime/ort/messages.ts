/** Messages between the app and its onnxruntime-web worker. */
import type { Backend, WireTensor } from '../protocol';

export interface OrtRequest {
  id: number;
  model: Uint8Array;
  feeds: Record<string, WireTensor>;
  ep: Backend;
}

export type OrtResponse =
  | { id: number; ok: true; ms: number; outputs: Record<string, WireTensor> }
  | { id: number; ok: false; message: string };
