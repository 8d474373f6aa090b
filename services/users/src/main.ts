import { runService } from '@shop/kit';
import { usersService } from './service';

runService(usersService);
