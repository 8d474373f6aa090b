/** ShutdownReason is what asked a process to stop: a signal, or its supervisor going away. */
export type ShutdownReason = NodeJS.Signals | 'supervisor exited';

/**
 * onShutdown calls stop once: on SIGTERM or SIGINT, or when the supervisor
 * that started this process with an IPC channel (`npm start`) is gone, so a
 * launcher killed with SIGKILL leaves no service behind holding its ports
 * and its database. The channel is unref'd: it never keeps the process
 * alive. Under Kubernetes or compose there is no channel and only the
 * signals count.
 */
export function onShutdown(stop: (reason: ShutdownReason) => void, proc: NodeJS.Process = process): void {
  let called = false;
  const once = (reason: ShutdownReason) => {
    if (called) return;
    called = true;
    stop(reason);
  };
  proc.once('SIGTERM', once);
  proc.once('SIGINT', once);
  if (proc.channel !== undefined) {
    proc.channel.unref();
    proc.once('disconnect', () => once('supervisor exited'));
  }
}
