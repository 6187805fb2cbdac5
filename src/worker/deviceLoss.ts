/**
 * A lost GPU device (a driver reset, the GPU process crashing, the tab put
 * in the background too long) leaves tfjs's WebGPU backend unable to run
 * anything. The worker then ends with an uncaught error: the page's bridge
 * sees it die and starts a new worker on the next backend (bridge.ts).
 */
import * as tf from '@tensorflow/tfjs';

interface LosableDevice {
  lost: Promise<{ reason?: string; message?: string }>;
}

/** Watches the WebGPU backend's device; call once the backend is chosen. */
export function watchDeviceLoss(): void {
  const device = (tf.backend() as unknown as { device?: LosableDevice }).device;
  void device?.lost.then((info) => {
    // Thrown outside any call, so that it reaches the page as the worker's error event.
    setTimeout(() => {
      throw new Error(`the GPU device was lost (${info.message || info.reason || 'no reason given'})`);
    });
  });
}
