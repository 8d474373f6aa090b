import { runService } from '@shop/kit';
import { inventoryService } from './service';

runService(inventoryService);
