import { createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { readDescriptorSet } from '@shop/sdk/lib/descriptor';
import { EventEnvelope } from '@shop/sdk/ts/shop/events/v1/envelope';
import { eventType } from './event-type';

describe('eventType', () => {
  it('names an OrderConfirmed payload shop.events.v1.OrderConfirmed', () => {
    expect(eventType({ $case: 'orderConfirmed' })).toBe('shop.events.v1.OrderConfirmed');
  });

  it('gives every payload case of the envelope the full name of its message in the contract', () => {
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readDescriptorSet()));
    const envelope = registry.getMessage('shop.events.v1.EventEnvelope');
    const payload = envelope?.oneofs.find((oneof) => oneof.name === 'payload');
    expect(payload?.fields.length).toBeGreaterThan(10);
    for (const field of payload!.fields) {
      // The generated code picks the case from the field's JSON name, so this goes contract -> case -> type.
      const { payload: sample } = EventEnvelope.fromJSON({ [field.jsonName]: {} });
      expect(sample).toBeDefined();
      expect(eventType(sample!)).toBe(field.message?.typeName);
    }
  });
});
