/** Amount is money in one currency, in its minor unit. */
export interface Amount {
  currency: string;
  amount: bigint;
}

/** toAmount reads a shop.common.v1.Money the contract found valid (an ISO 4217 code, an amount within its field's range). */
export function toAmount(money: { currencyCode: string; amountMinor: bigint }): Amount {
  return { currency: money.currencyCode, amount: money.amountMinor };
}
