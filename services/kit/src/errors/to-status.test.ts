import { status as Code } from '@grpc/grpc-js';
import { Status as RpcStatus } from '@shop/sdk/ts/google/rpc/status';
import { BadRequest, PreconditionFailure } from '@shop/sdk/ts/google/rpc/error_details';
import { DomainError, invalidArgument } from './domain-error';
import { MAX_VIOLATIONS, toStatus } from './to-status';

/** trailerBytes counts a status's trailers as HTTP/2 does (name + value + 32 per field). */
function trailerBytes(status: ReturnType<typeof toStatus>['status']): number {
  const details = status.metadata!.get('grpc-status-details-bin')[0] as Buffer;
  const fields: Array<[string, string]> = [
    ['grpc-status', String(status.code)],
    ['grpc-message', encodeURIComponent(status.details)],
    ['grpc-status-details-bin', details.toString('base64')],
  ];
  return fields.reduce((sum, [name, value]) => sum + name.length + value.length + 32, 0);
}

function decode(status: ReturnType<typeof toStatus>['status']) {
  const rpc = RpcStatus.decode(status.metadata!.get('grpc-status-details-bin')[0] as Buffer);
  const byType = (name: string) => rpc.details.find((d) => d.typeUrl.endsWith(name))?.value;
  return { rpc, byType };
}

describe('toStatus bounds what an error carries', () => {
  it('keeps 20 field violations and counts the rest, within 8 KiB of trailers', () => {
    // 1,200 repeated SKUs, each with its own violation: the stock:batchGet case.
    const violations = Array.from({ length: 1_200 }, (_, i) => ({ field: `skus[${i}]`, description: `duplicate sku ${'x'.repeat(40)}` }));
    const { status } = toStatus(invalidArgument(violations), 'req-1');
    expect(status.code).toBe(Code.INVALID_ARGUMENT);
    const bad = BadRequest.decode(decode(status).byType('google.rpc.BadRequest')!);
    expect(bad.fieldViolations).toHaveLength(MAX_VIOLATIONS + 1);
    expect(bad.fieldViolations[0]).toMatchObject({ field: 'skus[0]' });
    expect(bad.fieldViolations[MAX_VIOLATIONS]).toMatchObject({ field: '', description: 'and 1180 more violations' });
    expect(status.details.length).toBeLessThanOrEqual(400);
    expect(status.details).toMatch(/\(1200 violations in all\)$/);
    expect(trailerBytes(status)).toBeLessThan(8 * 1024);
  });

  it('cuts long texts in violations, preconditions, resources and the message', () => {
    const long = 'y'.repeat(70_000);
    const err = new DomainError(Code.FAILED_PRECONDITION, 'INVALID_STATE', long, {
      fieldViolations: [{ field: long, description: long }],
      preconditionViolations: Array.from({ length: 50 }, () => ({ type: long, subject: long, description: long })),
      resource: { type: 'order', name: long },
    });
    const { status } = toStatus(err, 'req-2');
    const { byType } = decode(status);
    const pre = PreconditionFailure.decode(byType('google.rpc.PreconditionFailure')!);
    // Long texts leave room for fewer violations: the byte budget wins over the count.
    expect(pre.violations.length).toBeGreaterThan(1);
    expect(pre.violations.length).toBeLessThanOrEqual(MAX_VIOLATIONS + 1);
    expect(pre.violations.at(-1)!.description).toBe(`and ${50 - pre.violations.length + 1} more violations`);
    expect(pre.violations[0].subject.length).toBeLessThanOrEqual(120);
    const bad = BadRequest.decode(byType('google.rpc.BadRequest')!);
    expect(bad.fieldViolations[0].description.length).toBeLessThanOrEqual(120);
    expect(status.details.length).toBeLessThanOrEqual(400);
    expect(trailerBytes(status)).toBeLessThan(8 * 1024);
  });

  it('leaves a small error as it is', () => {
    const { status } = toStatus(invalidArgument([{ field: 'page_size', description: 'must be at most 100' }]), 'req-3');
    expect(status.details).toBe('page_size: must be at most 100');
    const bad = BadRequest.decode(decode(status).byType('google.rpc.BadRequest')!);
    expect(bad.fieldViolations).toEqual([expect.objectContaining({ field: 'page_size', description: 'must be at most 100' })]);
  });
});
