import { isAdmin, notFound, type ServiceImplementation } from '@shop/kit';
import type { PaymentServiceDefinition } from '@shop/sdk/ts/shop/payments/v1/payment_service';
import { chargeInput, refundInput } from '../domain/requests';
import { charge } from '../operations/charge';
import type { PaymentsDeps } from '../operations/deps';
import { refund } from '../operations/refund';
import { findById, findByKey } from '../store/payment-repo';
import { listSucceededRefunds } from '../store/refund-repo';
import { toPayment, toRefund } from './to-proto';

/**
 * createPaymentHandlers implements shop.payments.v1.PaymentService:
 * validate, run the operation, map back. Who may call what (Charge and
 * Refund and FindCharge: the orders service; GetPayment: a signed-in user) is enforced by
 * the runtime from the contract; GetPayment checks ownership.
 */
export function createPaymentHandlers(deps: PaymentsDeps): ServiceImplementation<typeof PaymentServiceDefinition> {
  return {
    async charge(req, ctx) {
      return { payment: toPayment(await charge(deps, chargeInput(req), ctx.deadline)) };
    },

    async refund(req, ctx) {
      const outcome = await refund(deps, refundInput(req), ctx.deadline);
      return { payment: toPayment(outcome.payment), refund: toRefund(outcome.refund, outcome.payment.currency) };
    },

    async getPayment(req, ctx) {
      const id = req.paymentId;
      const payment = await findById(deps.db, id);
      // Someone else's payment is answered exactly like a missing one.
      if (payment === undefined || (payment.userId !== ctx.user?.userId && !isAdmin(ctx.user))) throw notFound('payment', id);
      return { payment: toPayment(payment) };
    },

    async findCharge(req) {
      const key = req.idempotencyKey;
      const found = await findByKey(deps.db, key);
      if (found === undefined) throw notFound('charge', key);
      return { payment: toPayment({ ...found.payment, refunds: await listSucceededRefunds(deps.db, found.payment.id) }) };
    },
  };
}
