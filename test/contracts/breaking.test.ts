import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { breaking, copyContracts, editProto as edit } from '../support/contract-copy';

describe('the breaking-change gate', () => {
  let dir: string;
  beforeEach(() => {
    dir = copyContracts();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts an added field', () => {
    edit(dir, 'shop/catalog/v1/product.proto', '  int64 version = 10 [(buf.validate.field).int64.gte = 0];', '  int64 version = 10 [(buf.validate.field).int64.gte = 0];\n  // brand is new.\n  string brand = 11;');
    const result = breaking(dir);
    expect(result.status).toBe(0);
  });

  it('fails with buf\'s message when a field number changes', () => {
    edit(dir, 'shop/catalog/v1/product.proto', 'string name = 3 [', 'string name = 12 [');
    const result = breaking(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/shop\/catalog\/v1\/product\.proto:\d+:\d+:Previously present field "3" with name "name" on message "Product" was deleted/);
  });

  it('fails with buf\'s message when an RPC is removed', () => {
    const file = join(dir, 'proto/shop/catalog/v1/catalog_service.proto');
    const rpc = /  rpc DeleteProduct\(.*?\n  \}\n/s.exec(readFileSync(file, 'utf8'));
    expect(rpc).not.toBeNull();
    edit(dir, 'shop/catalog/v1/catalog_service.proto', rpc![0], '');
    const result = breaking(dir);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('Previously present RPC "DeleteProduct" on service "CatalogService" was deleted.');
  });
});
