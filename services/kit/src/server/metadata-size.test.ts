import { Metadata } from '@grpc/grpc-js';
import { MAX_METADATA_BYTES, metadataSize } from './metadata-size';

describe('metadataSize', () => {
  it('counts each field as HTTP/2 does: name and value octets plus 32', () => {
    const metadata = new Metadata();
    metadata.set('x-request-id', 'abc');
    expect(metadataSize(metadata)).toBe('x-request-id'.length + 3 + 32);
  });

  it('counts every value of a repeated key, and binary values in their base64 length', () => {
    const metadata = new Metadata();
    metadata.add('x-tag', 'one');
    metadata.add('x-tag', 'three');
    metadata.set('x-blob-bin', Buffer.alloc(10));
    expect(metadataSize(metadata)).toBe(5 + 3 + 32 + (5 + 5 + 32) + (10 + 16 + 32));
  });

  it('puts 64 KiB of metadata at the bound', () => {
    const metadata = new Metadata();
    metadata.set('x-big', 'a'.repeat(MAX_METADATA_BYTES - 5 - 32));
    expect(metadataSize(metadata)).toBe(MAX_METADATA_BYTES);
  });
});
