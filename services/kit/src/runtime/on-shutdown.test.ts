import { EventEmitter } from 'node:events';
import { onShutdown, type ShutdownReason } from './on-shutdown';

/** fakeProcess is the part of process onShutdown uses, with an IPC channel when supervised. */
function fakeProcess(supervised: boolean) {
  const proc = new EventEmitter() as EventEmitter & { channel?: { unref: jest.Mock } };
  if (supervised) proc.channel = { unref: jest.fn() };
  return proc;
}

describe('onShutdown', () => {
  it('stops once on SIGTERM, however many signals follow', () => {
    const proc = fakeProcess(false);
    const reasons: ShutdownReason[] = [];
    onShutdown((r) => reasons.push(r), proc as unknown as NodeJS.Process);
    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGINT', 'SIGINT');
    expect(reasons).toEqual(['SIGTERM']);
  });

  it('stops when the supervisor that started the process over IPC goes away, without the channel keeping the process alive', () => {
    const proc = fakeProcess(true);
    const reasons: ShutdownReason[] = [];
    onShutdown((r) => reasons.push(r), proc as unknown as NodeJS.Process);
    expect(proc.channel!.unref).toHaveBeenCalled();
    proc.emit('disconnect');
    proc.emit('SIGTERM', 'SIGTERM');
    expect(reasons).toEqual(['supervisor exited']);
  });

  it('does not listen for a supervisor when there is no channel (Kubernetes, compose)', () => {
    const proc = fakeProcess(false);
    onShutdown(() => undefined, proc as unknown as NodeJS.Process);
    expect(proc.listenerCount('disconnect')).toBe(0);
  });
});
