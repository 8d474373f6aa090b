/**
 * Binary to JSON for the benchmark's GetProductResponse: protobuf-es
 * (fromBinary, toJson, JSON.stringify) against the gateway's JsonCodec
 * (binary straight to a JSON value, then JSON.stringify). Prints microseconds
 * per message, best of 5 rounds.
 */
import { fromBinary, toJson } from '@bufbuild/protobuf';
import { GetProductResponse } from '@shop/sdk/ts/shop/catalog/v1/catalog_service';
import { sharedContract } from '@shop/kit/contract/contract';
import { JsonCodec } from '../../gateway/src/transcode/binary-to-json';
import { PRODUCT } from './product';

const registry = sharedContract().registry;
const schema = registry.getMessage('shop.catalog.v1.GetProductResponse')!;
const bytes = Buffer.from(GetProductResponse.encode(PRODUCT).finish());
const codec = new JsonCodec(registry);
const N = 200_000;

function time(fn: () => string): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / N / 1000);
  }
  return best;
}

if (JSON.stringify(codec.toJsonValue(schema, bytes)) !== JSON.stringify(toJson(schema, fromBinary(schema, bytes)))) throw new Error('the two paths disagree');
const protobufEs = time(() => JSON.stringify(toJson(schema, fromBinary(schema, bytes))));
const gateway = time(() => JSON.stringify(codec.toJsonValue(schema, bytes)));
process.stdout.write(`${JSON.stringify({ protobufEsUs: protobufEs, codecUs: gateway, bytes: bytes.length })}\n`);
