import { toBinary, type DescMessage } from '@bufbuild/protobuf';
import { compileFastCheck, createContractRules, sharedContract } from '@shop/kit';
import { createFuzzCases } from '../../gateway/test/support/fuzz-cases';

// The runtime's fast check (services/kit/src/contract/fast-rules.ts) may
// only say "valid" where protovalidate says so too: on every request the
// contract-driven fuzz generates for every method's request (values at,
// inside and past each rule), decoded as the services decode it (ts-proto),
// a fast "valid" must be protovalidate's verdict as well.

const contract = sharedContract();
const rules = createContractRules(contract.registry);
const fuzz = createFuzzCases(contract.registry);
const inputs = [...new Map([...contract.methods.values()].filter((m) => m.service.startsWith('shop.')).map((m) => [m.desc.input.typeName, m.desc.input])).values()].filter((d) => rules.appliesTo(d));

/** tsProto decodes bytes with the SDK's generated ts-proto type of a message, as the services do. */
function tsProto(desc: DescMessage): (bytes: Uint8Array) => unknown {
  const module = require(`@shop/sdk/ts/${desc.file.name.replace(/\.proto$/, '')}`) as Record<string, { decode(b: Uint8Array): unknown }>;
  return (bytes) => module[desc.name]!.decode(bytes);
}

describe('the fast check of the contract rules', () => {
  it('covers the requests whose rules it can read, GetStock and SetStock among them', () => {
    const covered = inputs.filter((d) => compileFastCheck(contract.registry, d) !== undefined).map((d) => d.typeName);
    expect(covered).toEqual(expect.arrayContaining(['shop.inventory.v1.GetStockRequest', 'shop.inventory.v1.SetStockRequest', 'shop.catalog.v1.GetProductRequest']));
  });

  it('reads a field left out of the object as its zero value, as a decoded message holds it', () => {
    const getStock = compileFastCheck(contract.registry, contract.registry.getMessage('shop.inventory.v1.GetStockRequest')!)!;
    expect(getStock({ sku: 'MUG-001' })).toBe(true);
    expect(getStock({})).toBe(false); // sku is required: its zero value "" is not a SKU
    const listUsers = compileFastCheck(contract.registry, contract.registry.getMessage('shop.users.v1.ListUsersRequest')!)!;
    expect(listUsers({})).toBe(true);
    expect(listUsers({ pageSize: -1 })).toBe(false);
  });

  it.each(inputs.map((d) => [d.typeName, d] as const))('%s: says valid only where protovalidate does', (_, desc) => {
    const fast = compileFastCheck(contract.registry, desc);
    if (fast === undefined) return; // protovalidate checks every request of this type
    const decode = tsProto(desc);
    const wrong: string[] = [];
    for (const c of fuzz(desc)) {
      const valid = rules.check(desc, c.message).length === 0;
      const quick = fast(decode(toBinary(desc, c.message)) as object);
      if (quick && !valid) wrong.push(`${c.field} = ${c.note}`);
    }
    expect(wrong).toEqual([]);
    // It is a fast path, not a refusal: the base request, valid by construction, is accepted without protovalidate when it is valid.
    const base = fuzz(desc)[0]!;
    if (rules.check(desc, base.message).length === 0) expect(fast(decode(toBinary(desc, base.message)) as object)).toBe(true);
  });
});
