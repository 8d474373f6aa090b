import { runService } from '@shop/kit';
import { ordersService } from './service';

runService(ordersService);
