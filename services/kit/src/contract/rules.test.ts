import { create, type DescMessage } from '@bufbuild/protobuf';
import { StructSchema } from '@bufbuild/protobuf/wkt';
import { sharedContract } from './contract';
import { createContractRules } from './rules';

describe('the contract rules (buf.validate, evaluated by protovalidate)', () => {
  const { registry } = sharedContract();
  const rules = createContractRules(registry);
  const message = (name: string) => registry.getMessage(name) as DescMessage;

  it('apply to a request with rules on its own fields or on a message inside it, and not to one without any', () => {
    expect(rules.appliesTo(message('shop.inventory.v1.AdjustStockRequest'))).toBe(true);
    // Only its shipping address (shop.common.v1.PostalAddress) has rules among its message fields.
    expect(rules.appliesTo(message('shop.common.v1.PostalAddress'))).toBe(true);
    expect(rules.appliesTo(message('shop.orders.v1.PlaceOrderRequest'))).toBe(true);
    // A response carries no rules.
    expect(rules.appliesTo(message('shop.inventory.v1.StockLevel'))).toBe(false);
    // A message that contains itself (Value -> Struct -> Value) is walked once.
    expect(rules.appliesTo(StructSchema)).toBe(false);
  });

  it('name every broken rule by its proto path, nested and repeated fields included', () => {
    const desc = message('shop.orders.v1.PlaceOrderRequest');
    const request = create(desc, {
      idempotencyKey: 'key-1',
      items: [{ productId: '69040c33-5c8e-59b0-9032-bc23eb34ff6a', quantity: 1n }],
      paymentToken: 'tok_approve',
      shippingAddress: { recipient: 'Ada', lines: ['1 Road', 'Flat\u00002'], city: 'Town', postalCode: '1', countryCode: 'DE' },
    } as never);
    expect(rules.check(desc, request)).toEqual([
      { field: 'shipping_address.lines[1]', description: 'must not contain control characters' },
    ]);
    const fine = create(desc, {
      idempotencyKey: 'key-1',
      items: [{ productId: '69040c33-5c8e-59b0-9032-bc23eb34ff6a', quantity: 1n }],
      paymentToken: 'tok_approve',
      shippingAddress: { recipient: 'Ada Lovelace', lines: ['1 Road'], city: 'Town', postalCode: '1', countryCode: 'DE' },
    } as never);
    expect(rules.check(desc, fine)).toEqual([]);
  });
});
