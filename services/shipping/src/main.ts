import { runService } from '@shop/kit';
import { shippingService } from './service';

runService(shippingService);
