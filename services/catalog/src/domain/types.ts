/** Price is a validated unit price: ISO 4217 code and a positive amount in minor units (decimal int64 text). */
export interface Price {
  currencyCode: string;
  amountMinor: string;
}

/** ProductFields are the client-supplied fields of a new product, validated. */
export interface ProductFields {
  sku: string;
  name: string;
  description: string;
  price: Price;
  category: string;
  imageUrl: string;
}

/** ProductChanges are the validated new values of the fields an update_mask names; sku never changes. */
export type ProductChanges = Partial<Omit<ProductFields, 'sku'>>;

/**
 * ExpectedVersion is the version an update or delete is based on, or
 * undefined when the caller sent 0 and asked for no check.
 */
export type ExpectedVersion = bigint | undefined;
